import type { ReactNode } from "react";

export function Panel({ id, title, aside, wide, children }: { id: string; title: string; aside?: ReactNode; wide?: boolean; children: ReactNode }) {
  return (
    <section className={`panel${wide ? " wide" : ""}`} data-testid={`panel-${id}`} id={id}>
      <header className="panel-head">
        <h2>{title}</h2>
        {aside}
      </header>
      {children}
    </section>
  );
}
