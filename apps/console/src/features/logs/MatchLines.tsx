import type { LogSearchFile } from '@fleetdesk/api-types';
import { Code, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { type MatchQuery, queryRegExp } from './match-finder';

/** The text with the query's matches marked (the same matcher as the viewer's). */
export function highlight(text: string, query: MatchQuery): ReactNode[] {
  const out: ReactNode[] = [];
  let re: RegExp;
  try {
    re = queryRegExp(query);
  } catch {
    return [text];
  }
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex = m.index + 1;
      if (re.lastIndex > text.length) break;
      continue;
    }
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push(
      <mark key={m.index} style={{ background: 'var(--mantine-color-yellow-3)', color: 'black' }}>
        {m[0]}
      </mark>,
    );
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

function Row({
  n,
  text,
  query,
  match,
}: {
  n: number;
  text: string;
  query: MatchQuery;
  match: boolean;
}) {
  return (
    <div
      data-testid={match ? 'search-match-line' : 'search-context-line'}
      style={{ display: 'flex', whiteSpace: 'pre', opacity: match ? 1 : 0.65 }}
    >
      <span
        aria-hidden
        style={{
          flex: 'none',
          minWidth: '7ch',
          paddingRight: '1ch',
          textAlign: 'right',
          color: 'var(--mantine-color-dimmed)',
          userSelect: 'none',
        }}
      >
        {n}
      </span>
      <span>{match ? highlight(text, query) : text}</span>
    </div>
  );
}

/** A file's matching lines, each with its context lines above and below, numbered. */
export function MatchLines({ file, query }: { file: LogSearchFile; query: MatchQuery }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
        {file.path}{' '}
        <Text span size="xs" c="dimmed">
          {file.matchCount} match{file.matchCount === 1 ? '' : 'es'}
          {file.matches.length < file.matchCount ? `, first ${file.matches.length} shown` : ''}
        </Text>
      </Text>
      <Code
        block
        style={{ overflowX: 'auto', fontSize: 12, padding: 'var(--mantine-spacing-xs)' }}
        data-testid="search-file"
        data-path={file.path}
      >
        {file.matches.map((m, i) => (
          <div
            key={i}
            style={{ borderTop: i ? '1px dashed var(--mantine-color-default-border)' : undefined }}
          >
            {m.before.map((t, j) => (
              <Row
                key={`b${j}`}
                n={m.line - m.before.length + j}
                text={t}
                query={query}
                match={false}
              />
            ))}
            <Row n={m.line} text={m.text} query={query} match />
            {m.after.map((t, j) => (
              <Row key={`a${j}`} n={m.line + 1 + j} text={t} query={query} match={false} />
            ))}
          </div>
        ))}
      </Code>
    </Stack>
  );
}
