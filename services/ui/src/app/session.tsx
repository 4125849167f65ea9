// Who is signed in; the whole app reads it from context.
import { createContext, useContext } from 'react'
import type { User } from '../api/types'

export interface SessionValue {
  user: User
  signOut: () => Promise<void>
}

export const SessionContext = createContext<SessionValue | null>(null)

export function useSession(): SessionValue {
  const value = useContext(SessionContext)
  if (!value) throw new Error('useSession outside a signed-in page')
  return value
}
