import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A page: its title in the tab and in an h1 that takes the focus when the page opens, so a screen
 * reader announces where a link led (a single-page app does not reload).
 */
export function Page({
  title,
  children,
  actions,
}: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · SCIM console`;
    heading.current?.focus();
  }, [title]);
  return (
    <>
      <div className="page-head">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions}
      </div>
      {children}
    </>
  );
}
