// The ring of an offered call: a short two-tone beep made with WebAudio (no audio files), repeated
// until the call is accepted or goes away. Browsers only play sound after the page has had a click or
// a key press; until then the ringing card still flashes.

let context = null;
let timer = null;

function beep() {
  try {
    context = context || new AudioContext();
    const now = context.currentTime;
    for (const [offset, frequency] of [[0, 880], [0.25, 660]]) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.2);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(now + offset);
      oscillator.stop(now + offset + 0.22);
    }
    document.body.dataset.ringCount = String(Number(document.body.dataset.ringCount || 0) + 1);
  } catch {
    // no audio device: the visual ring is enough
  }
}

export function ring() {
  if (timer) return;
  document.body.classList.add("is-ringing");
  beep();
  timer = setInterval(beep, 1500);
}

export function stopRing() {
  clearInterval(timer);
  timer = null;
  document.body.classList.remove("is-ringing");
}
