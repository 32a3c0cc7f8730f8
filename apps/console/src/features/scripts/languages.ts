import { SCRIPT_LANGUAGES, type ScriptLanguage } from '@fleetdesk/api-types';
import { StreamLanguage } from '@codemirror/language';
import { javascript } from '@codemirror/legacy-modes/mode/javascript';
import { powerShell } from '@codemirror/legacy-modes/mode/powershell';
import { python } from '@codemirror/legacy-modes/mode/python';
import { shell } from '@codemirror/legacy-modes/mode/shell';

const LABELS: Record<ScriptLanguage, string> = {
  bash: 'Bash',
  sh: 'POSIX sh',
  powershell: 'PowerShell',
  python: 'Python',
  node: 'Node.js',
  cmd: 'Windows cmd',
};

/** The script languages, in the contract's order (the order menus show them). */
export const LANGUAGES: { value: ScriptLanguage; label: string }[] = SCRIPT_LANGUAGES.map(
  (value) => ({ value, label: LABELS[value] }),
);

export function languageLabel(language: ScriptLanguage): string {
  return LANGUAGES.find((l) => l.value === language)?.label ?? language;
}

const modes = new Map<ScriptLanguage, StreamLanguage<unknown> | null>();

/** CodeMirror's highlighting for a script language; cmd has no mode and stays plain text. */
export function editorLanguage(language: ScriptLanguage): StreamLanguage<unknown> | null {
  if (!modes.has(language)) {
    const parser =
      language === 'bash' || language === 'sh'
        ? shell
        : language === 'powershell'
          ? powerShell
          : language === 'python'
            ? python
            : language === 'node'
              ? javascript
              : null;
    modes.set(language, parser ? StreamLanguage.define(parser) : null);
  }
  return modes.get(language) ?? null;
}
