/**
 * Messages of the admin page (/admin: users, roles, passwords, API tokens) and of the
 * server's operational answers (full disk, snapshot rebuilding or stale). Spread into the one
 * catalogue (catalogue.ts).
 */
export const adminMessages = {
  "admin.nav": { zh: "用户管理", en: "Users" },
  "admin.title": { zh: "用户与令牌", en: "Users and tokens" },
  "admin.users": { zh: "用户", en: "Users" },
  "admin.user": { zh: "用户名", en: "User" },
  "admin.role": { zh: "角色", en: "Role" },
  "admin.status": { zh: "状态", en: "Status" },
  "admin.created": { zh: "创建时间", en: "Created" },
  "admin.active": { zh: "正常", en: "Active" },
  "admin.disabled": { zh: "已停用", en: "Disabled" },
  "admin.actions": { zh: "操作", en: "Actions" },
  "admin.disable": { zh: "停用", en: "Disable" },
  "admin.enable": { zh: "启用", en: "Enable" },
  "admin.reset_password": { zh: "重置密码", en: "Reset password" },
  "admin.reset_confirm": {
    zh: "重置 {user} 的密码？其登录会话将退出，全部 API 令牌将被撤销。",
    en: "Reset the password of {user}? Their sessions end and all their API tokens are revoked.",
  },
  "admin.disable_confirm": {
    zh: "停用 {user}？其登录会话和 API 令牌立即失效。",
    en: "Disable {user}? Their sessions and API tokens stop working at once.",
  },
  "admin.add_user": { zh: "添加用户", en: "Add a user" },
  "admin.add": { zh: "添加", en: "Add" },
  "admin.tokens": { zh: "API 令牌", en: "API tokens" },
  "admin.n_tokens": { zh: "有效令牌", en: "Active tokens" },
  "admin.token_id": { zh: "令牌编号", en: "Token id" },
  "admin.label": { zh: "用途", en: "Label" },
  "admin.revoked": { zh: "撤销时间", en: "Revoked" },
  "admin.revoke": { zh: "撤销", en: "Revoke" },
  "admin.create_token": { zh: "创建令牌", en: "Create a token" },
  "admin.no_tokens": { zh: "还没有 API 令牌。", en: "No API tokens yet." },
  "admin.once_password": {
    zh: "{user} 的新密码如下。它只显示这一次，请现在复制并安全地交给本人。",
    en: "The new password of {user} is below. It is shown only this once: copy it now and hand it over safely.",
  },
  "admin.once_token": {
    zh: "{user} 的新 API 令牌（{label}）如下。它只显示这一次，请现在复制。",
    en: "The new API token of {user} ({label}) is below. It is shown only this once: copy it now.",
  },
  "admin.user_added": { zh: "已添加用户 {user}（{role}）。", en: "Added {user} ({role})." },
  "admin.done": { zh: "已完成：{what}", en: "Done: {what}" },
  "admin.back": { zh: "返回用户管理", en: "Back to users" },
  "admin.failed": { zh: "未能完成：{reason}", en: "Could not do that: {reason}" },
  "role.admin": { zh: "管理员", en: "Admin" },
  "role.uploader": { zh: "数据上传（调查队）", en: "Uploader (statistics team)" },
  "role.analyst": { zh: "分析人员", en: "Analyst" },
  "role.viewer": { zh: "查看（领导）", en: "Viewer (leaders)" },
  "role.assessment": { zh: "考核系统（仅令牌）", en: "Assessment system (token only)" },
  // operations
  "ops.disk_full": {
    zh: "服务器磁盘已满，本次操作未保存任何内容。请通知管理员清理磁盘后重试。",
    en: "The server's disk is full; nothing of this request was saved. Ask the administrator to free disk space, then try again.",
  },
  "ops.snapshot_rebuilding": {
    zh: "分析数据快照正在重建，请稍后再试。",
    en: "The analytics snapshot is being rebuilt; try again in a moment.",
  },
  "ops.snapshot_stale": {
    zh: "注意：分析数据快照未能随最近一次模型运行更新（{reason}），查询结果截至 {at}，可能缺少最新上传的数据。",
    en: "Note: the analytics snapshot could not be refreshed after the latest model run ({reason}); results are as of {at} and may miss the latest uploads.",
  },
  "ops.figures_pending": { zh: "数据已入库，图表待更新", en: "loaded; figures pending" },
} as const satisfies Record<string, { zh: string; en: string }>;
