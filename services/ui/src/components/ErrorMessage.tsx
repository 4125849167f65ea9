import { useTranslation } from 'react-i18next'
import { errorMessage } from './errors'

export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation()
  if (!error) return null
  return (
    <div className="alert alert-error" role="alert" data-testid="error">
      <span>{errorMessage(error)}</span>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  )
}
