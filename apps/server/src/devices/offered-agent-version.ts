import { Injectable } from '@nestjs/common';

/**
 * The agent version this server offers for updates, as far as the devices list needs it (to
 * call a device `outdated`). Set by the agent-updates feature from its builds; kept here so
 * the devices module depends on nothing above it.
 */
@Injectable()
export class OfferedAgentVersion {
  private version: string | null = null;

  get current(): string | null {
    return this.version;
  }

  set(version: string | null): void {
    this.version = version;
  }
}
