// /liaison: the department's open tickets, nearest deadline first; 签收, 退单, 申请延期, 答复.

import { watchForNotices } from "./notices.js";
import { startPage } from "./shell.js";
import { toast } from "./ui.js";
import { createWorkbench } from "./workbench.js";

async function main() {
  const { user } = await startPage({ roles: ["liaison"] });
  const count = document.getElementById("list-count");
  const notices = watchForNotices(user, document.getElementById("enable-notices"));
  const bench = createWorkbench({
    user,
    departments: [],
    listPane: document.getElementById("ticket-list"),
    detailPane: document.getElementById("detail"),
    listQuery: () => ({ queue: "department" }),
    emptyText: "本单位暂无待办工单",
    onList: (page) => {
      count.textContent = `${page.total} 张`;
    },
    onEvent: notices.onEvent,
  });
  await bench.refresh();
}

main().catch((error) => toast(error.message, "error"));
