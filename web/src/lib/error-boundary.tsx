import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** What the fallback says failed, e.g. "the gallery". @default 'this part of the page' */
  what?: string;
}

/**
 * Catches a render error below it and shows it in the page with a way out, instead of React's
 * blank screen. Errors from requests are handled where they happen; this is the last net.
 */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="panel error-panel" role="alert">
        <h2>Something went wrong</h2>
        <p>
          {this.props.what ? `Showing ${this.props.what} failed` : 'This part of the page failed'}:{' '}
          {error.message}
        </p>
        <div className="form-actions">
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          <button type="button" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </div>
      </div>
    );
  }
}
