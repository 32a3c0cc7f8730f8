import type { ScriptLanguage } from '@fleetdesk/api-types';
import { Box } from '@mantine/core';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef } from 'react';
import { editorLanguage } from './languages';

const theme = EditorView.theme({
  '&': { fontSize: '13px', backgroundColor: '#fff', color: '#1a1b1e' },
  '&.cm-focused': { outline: '2px solid var(--mantine-color-blue-5)', outlineOffset: '-1px' },
  '.cm-scroller': {
    fontFamily: 'var(--mantine-font-family-monospace)',
    lineHeight: '1.5',
    overflow: 'auto',
  },
  '.cm-gutters': { backgroundColor: '#f5f5f5', color: '#868e96', borderRight: '1px solid #e9ecef' },
});

export interface CodeEditorProps {
  value: string;
  onChange?: (value: string) => void;
  language: ScriptLanguage;
  readOnly?: boolean;
  /** The editable area's accessible name. */
  label: string;
  minHeight?: number;
  maxHeight?: number;
  testId?: string;
}

/**
 * CodeMirror 6 with the legacy-mode highlighter of the script's language. The view is built
 * once per language / read-only combination (both change rarely) and keeps its own undo
 * history; `value` changes from outside (restoring a version) replace the document.
 */
export function CodeEditor({
  value,
  onChange,
  language,
  readOnly = false,
  label,
  minHeight = 320,
  maxHeight = 640,
  testId = 'code-editor',
}: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  const valueRef = useRef(value);
  useEffect(() => {
    onChangeRef.current = onChange;
  });
  useEffect(() => {
    valueRef.current = value;
  });

  useEffect(() => {
    if (!host.current) return;
    const mode = editorLanguage(language);
    const v = new EditorView({
      parent: host.current,
      doc: valueRef.current,
      extensions: [
        basicSetup,
        mode ?? [],
        theme,
        EditorView.theme({
          '.cm-content, .cm-gutter': { minHeight: `${minHeight}px` },
          '&': { maxHeight: `${maxHeight}px` },
        }),
        EditorView.lineWrapping,
        EditorView.editable.of(!readOnly),
        EditorView.contentAttributes.of({
          'aria-label': label,
          'aria-readonly': String(readOnly),
          'aria-multiline': 'true',
          role: 'textbox',
        }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          const text = update.state.doc.toString();
          valueRef.current = text;
          onChangeRef.current?.(text);
        }),
      ],
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
  }, [language, readOnly, label, minHeight, maxHeight]);

  // A new value from outside (not an echo of typing): replace the document.
  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current !== value) v.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  return (
    <Box
      ref={host}
      data-testid={testId}
      data-language={language}
      data-readonly={readOnly}
      style={{
        border: '1px solid var(--mantine-color-default-border)',
        borderRadius: 'var(--mantine-radius-sm)',
        overflow: 'hidden',
      }}
    />
  );
}
