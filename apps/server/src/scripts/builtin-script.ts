import type { ScriptLanguage, ScriptParameter } from '@fleetdesk/api-types';

/** A script shipped with Fleetdesk, installed (or brought up to date) at start-up. */
export interface BuiltinScript {
  name: string;
  description: string;
  tags: string[];
  language: ScriptLanguage;
  body: string;
  parameters: ScriptParameter[];
  defaultTimeoutSeconds: number;
}
