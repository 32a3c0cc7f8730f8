import { ActionIcon, Checkbox, Group, Text, TextInput, Tooltip } from '@mantine/core';
import type { FindState } from './useFindInLog';

/** The viewer's search: what to find, how, where we are among the matches, and the steps. */
export function FindBar({
  text,
  onText,
  regex,
  onRegex,
  matchCase,
  onMatchCase,
  problem,
  find,
  current,
  onStep,
}: {
  text: string;
  onText: (v: string) => void;
  regex: boolean;
  onRegex: (v: boolean) => void;
  matchCase: boolean;
  onMatchCase: (v: boolean) => void;
  problem?: string;
  find: FindState;
  current: number;
  onStep: (direction: 1 | -1) => void;
}) {
  const { count, capped } = find.matches;
  const counter =
    text === ''
      ? ''
      : find.status === 'searching'
        ? 'Searching…'
        : find.status === 'error'
          ? ''
          : count === 0
            ? 'No matches'
            : `${current + 1} of ${count.toLocaleString()}${capped ? '+' : ''}`;
  return (
    <Group gap="xs" align="flex-start" wrap="wrap">
      <TextInput
        aria-label="Find in log"
        placeholder="Find (Enter: next, Shift+Enter: previous, F3)"
        value={text}
        onChange={(e) => onText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            onStep(e.shiftKey ? -1 : 1);
          }
        }}
        error={problem ?? (find.status === 'error' ? find.message : undefined)}
        style={{ flex: '1 1 220px' }}
        data-testid="find-input"
      />
      <Group gap={4} wrap="nowrap" mt={4}>
        <Tooltip label="Previous match (Shift+Enter, Shift+F3)">
          <ActionIcon
            variant="default"
            aria-label="Previous match"
            disabled={count === 0}
            onClick={() => onStep(-1)}
          >
            ↑
          </ActionIcon>
        </Tooltip>
        <Tooltip label="Next match (Enter, F3)">
          <ActionIcon
            variant="default"
            aria-label="Next match"
            disabled={count === 0}
            onClick={() => onStep(1)}
          >
            ↓
          </ActionIcon>
        </Tooltip>
        <Text
          size="sm"
          miw={110}
          data-testid="match-counter"
          aria-live="polite"
          c={count === 0 && counter ? 'dimmed' : undefined}
        >
          {counter}
        </Text>
      </Group>
      <Group gap="sm" mt={8} wrap="nowrap">
        <Checkbox
          label="Regex"
          checked={regex}
          onChange={(e) => onRegex(e.currentTarget.checked)}
        />
        <Checkbox
          label="Match case"
          checked={matchCase}
          onChange={(e) => onMatchCase(e.currentTarget.checked)}
        />
      </Group>
    </Group>
  );
}
