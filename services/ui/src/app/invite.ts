// Invite links come as <prefix>/invite/<token> (a real path, made by the API), not as a hash route.

export interface InviteLink {
  /** the app's base path, e.g. "/" or "/weld/" */
  prefix: string
  token: string
}

export function parseInviteLink(pathname: string): InviteLink | null {
  const m = pathname.match(/^(.*\/)invite\/([^/]+)\/?$/)
  return m ? { prefix: m[1], token: decodeURIComponent(m[2]) } : null
}
