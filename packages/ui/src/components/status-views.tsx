import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }): ReactNode {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

/** The API's own message (ApiClientError carries `error.message`), shown as it is. */
export function ErrorBox({ error, title }: { error: Error; title: string }): ReactNode {
  return (
    <div className="error-box" role="alert">
      <strong>{title}</strong>
      <div>{error.message}</div>
    </div>
  );
}
