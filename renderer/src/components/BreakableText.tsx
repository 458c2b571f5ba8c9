import { Fragment } from 'react';

/** A URL, path or reference cut after each separator (/ . : @ # ? & = _ -): the places it may wrap. */
export function breakableParts(text: string): string[] {
  return text.split(/(?<=[/.:@#?&=_-])/);
}

/**
 * A URL, path or reference that may have to wrap: it breaks after its
 * separators rather than in the middle of a word, so "github.com/org/app"
 * never reads "github.c / om/org/app".
 */
export function BreakableText({ text }: { text: string }) {
  const parts = breakableParts(text);
  return (
    <>
      {parts.map((part, index) => (
        <Fragment key={index}>
          {part}
          {index < parts.length - 1 && <wbr />}
        </Fragment>
      ))}
    </>
  );
}
