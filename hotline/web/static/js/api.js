// The one way pages talk to the server: fetch with the bearer token from localStorage,
// Chinese error messages from `{"error": {"code", "message"}}`, and a redirect to /login on 401.

const TOKEN_KEY = "hotline.token";
const USER_KEY = "hotline.user";

export const ROLE_HOME = {
  liaison: "/liaison",
  agent: "/desk",
  supervisor: "/desk",
  manager: "/analytics",
  admin: "/desk",
};

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

export function storedUser() {
  try {
    return JSON.parse(localStorage.getItem(USER_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(accessToken, user) {
  localStorage.setItem(TOKEN_KEY, accessToken);
  localStorage.setItem(USER_KEY, JSON.stringify(user));
}

export function clearSession() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
}

export function homeFor(role) {
  return ROLE_HOME[role] || "/login";
}

export function goToLogin() {
  const next = location.pathname + location.search + location.hash;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

const SIGNED_OUT_KEY = "hotline.signedOut"; // why the server ended the login, for the login page to say

// 退出登录 ends the login on the server too (the token stops working everywhere), then leaves for /login.
export async function logout() {
  const bearer = token();
  clearSession();
  if (bearer) {
    try {
      await fetch("/api/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${bearer}` } });
    } catch {
      // offline: the login still ends by itself when idle
    }
  }
  location.assign("/login");
}

// The reason the last login ended by itself (长时间未操作…), once.
export function takeSignedOutReason() {
  const reason = sessionStorage.getItem(SIGNED_OUT_KEY);
  sessionStorage.removeItem(SIGNED_OUT_KEY);
  return reason;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy page or an empty body
  }
  const error = body && body.error;
  const message = (error && error.message) || `服务器错误（${response.status}），请稍后重试`;
  return new ApiError(response.status, (error && error.code) || `http_${response.status}`, message, error && error.details);
}

// `api("/api/tickets", {method: "POST", json: {...}})`; `form` sends a FormData (multipart) instead.
export async function api(path, { method = "GET", json, form, query, raw = false } = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const headers = {};
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body });
  } catch {
    throw new ApiError(0, "network", "无法连接服务器，请检查网络后重试");
  }
  if (response.status === 401 && path !== "/api/auth/login") {
    const error = await errorFrom(response);
    sessionStorage.setItem(SIGNED_OUT_KEY, error.message);
    clearSession();
    goToLogin();
    throw error;
  }
  if (!response.ok) throw await errorFrom(response);
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

// The signed-in user, checked with the server; sends people without a session (or on the wrong page) away.
export async function requireUser(allowedRoles) {
  if (!token()) {
    goToLogin();
    return new Promise(() => {});
  }
  const user = await api("/api/auth/me");
  if (allowedRoles && !allowedRoles.includes(user.role)) {
    location.replace(homeFor(user.role));
    return new Promise(() => {});
  }
  return user;
}

// Attachments need the bearer token, so a plain link cannot fetch them: download through fetch.
export async function downloadAttachment(url, filename) {
  const response = await api(url, { raw: true });
  const blobUrl = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = blobUrl;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
}

// Put an error where the user is looking (an inline alert box) and keep it there until the next try.
export function showError(target, error) {
  const message = error instanceof Error ? error.message : String(error);
  if (!target) return message;
  target.textContent = message;
  target.hidden = false;
  return message;
}

export function clearError(target) {
  if (!target) return;
  target.textContent = "";
  target.hidden = true;
}
