import { useCallback, useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { auth } from './api/endpoints'
import { ApiError, setSignedOutHandler } from './api/http'
import type { User } from './api/types'
import { parseInviteLink } from './app/invite'
import { navigate, parseRoute, useRoute } from './app/router'
import { SessionContext } from './app/session'
import { ErrorMessage } from './components/ErrorMessage'
import { Layout } from './components/Layout'
import { EditorPage } from './features/annotate/EditorPage'
import { NextTaskPage } from './features/annotate/NextTaskPage'
import { InvitePage } from './features/auth/InvitePage'
import { LoginPage } from './features/auth/LoginPage'
import { ProjectListPage } from './features/projects/ProjectListPage'
import { ProfilePage } from './features/profile/ProfilePage'
import { NewProjectPage } from './features/workspace/NewProjectPage'
import { WorkspacePage } from './features/workspace/WorkspacePage'
import { ReviewQueuePage } from './features/review/ReviewQueuePage'
import { MyWorkPage } from './features/work/MyWorkPage'
import { isLocale, setLocale } from './i18n'

type SessionState = { status: 'loading' } | { status: 'anonymous' } | { status: 'signedIn'; user: User } | { status: 'error'; error: unknown }

const inviteLink = parseInviteLink(window.location.pathname)

export default function App() {
  return inviteLink ? <InvitePage link={inviteLink} /> : <SignedInApp />
}

function SignedInApp() {
  const { t } = useTranslation()
  const route = useRoute()
  const [session, setSession] = useState<SessionState>({ status: 'loading' })

  const load = useCallback(() => {
    auth
      .me()
      .then((user) => setSession({ status: 'signedIn', user }))
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) setSession({ status: 'anonymous' })
        else setSession({ status: 'error', error })
      })
  }, [])

  useEffect(load, [load])

  // a session that ends while the app is open (expiry, sign-out elsewhere) brings back the login page
  useEffect(() => {
    setSignedOutHandler(() => setSession({ status: 'anonymous' }))
    return () => setSignedOutHandler(null)
  }, [])

  const signedIn = useCallback((user: User) => {
    if (isLocale(user.locale) && !localStorage.getItem('labelhive.locale')) setLocale(user.locale)
    setSession({ status: 'signedIn', user })
    // a deep link opened before signing in (e.g. a task) is kept
    if (parseRoute(window.location.hash).name === 'login') navigate({ name: 'projects' }, true)
  }, [])

  const signOut = useCallback(async () => {
    await auth.logout().catch(() => undefined)
    setSession({ status: 'anonymous' })
    navigate({ name: 'login' }, true)
  }, [])

  if (session.status === 'loading') return <p className="loading">{t('loading')}</p>
  if (session.status === 'error')
    return (
      <main className="page">
        <ErrorMessage error={session.error} onRetry={load} />
      </main>
    )
  if (session.status === 'anonymous') return <LoginPage onSignedIn={signedIn} />

  const page = (() => {
    switch (route.name) {
      case 'login':
      case 'projects':
        return <ProjectListPage />
      case 'newProject':
        return <NewProjectPage />
      case 'profile':
        return <ProfilePage />
      case 'project':
        return <WorkspacePage key={route.projectId} projectId={route.projectId} tab={route.tab} />
      case 'next':
        return <NextTaskPage key={route.projectId} projectId={route.projectId} />
      case 'task':
        return <EditorPage key={`${route.projectId}/${route.taskId}`} projectId={route.projectId} taskId={route.taskId} />
      case 'myWork':
        return <MyWorkPage key={route.projectId} projectId={route.projectId} />
      case 'review':
        return <ReviewQueuePage key={route.projectId} projectId={route.projectId} />
      case 'reviewTask':
        return (
          <EditorPage
            key={`r${route.projectId}/${route.taskId}/${route.annotationId}`}
            projectId={route.projectId}
            taskId={route.taskId}
            reviewAnnotationId={route.annotationId}
          />
        )
      case 'notFound':
        return <p>{t('notFound')}</p>
    }
  })()
  const wide = route.name === 'task' || route.name === 'reviewTask'
  return (
    <SessionContext.Provider value={{ user: session.user, signOut }}>
      <Layout wide={wide}>{page}</Layout>
    </SessionContext.Provider>
  )
}
