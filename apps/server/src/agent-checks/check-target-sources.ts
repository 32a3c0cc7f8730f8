import { Injectable } from '@nestjs/common';

/** Devices a check also applies to: those in any of the groups or carrying any of the tags. */
export interface CheckExtraTarget {
  tags: string[];
  groupIds: string[];
}

/**
 * Another feature that widens checks' targets (automation policies: a policy's groups and
 * tags for every check it carries). Registered by that feature, so this module does not
 * import it; it tells this module of a change with `AgentChecksService.targetsChanged`.
 */
export interface AgentCheckTargetSource {
  /** Every check's extra targets by check id (checks it does not widen are absent). */
  extraTargets(): Promise<Map<string, CheckExtraTarget[]>>;
}

/** The sources registered; a check applies to its own target plus theirs. */
@Injectable()
export class AgentCheckTargetSources {
  private readonly sources: AgentCheckTargetSource[] = [];

  register(source: AgentCheckTargetSource): void {
    this.sources.push(source);
  }

  async extraTargets(): Promise<Map<string, CheckExtraTarget[]>> {
    const out = new Map<string, CheckExtraTarget[]>();
    for (const source of this.sources)
      for (const [checkId, targets] of await source.extraTargets())
        out.set(checkId, [...(out.get(checkId) ?? []), ...targets]);
    return out;
  }
}
