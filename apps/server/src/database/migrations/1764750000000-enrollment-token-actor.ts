import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An enrollment token can now act on its own (a bare machine downloading the agent with it),
 * and the audit log names it as the actor, as it names a user.
 */
export class EnrollmentTokenActor1764750000000 implements MigrationInterface {
  name = 'EnrollmentTokenActor1764750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "audit_event" DROP CONSTRAINT "CHK_audit_event_actor_kind"`);
    await q.query(`
      ALTER TABLE "audit_event" ADD CONSTRAINT "CHK_audit_event_actor_kind"
        CHECK ("actor_kind" IN ('user', 'system', 'anonymous', 'device', 'enrollment_token'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The trail stays; its token actors become the nearest older kind.
    await q.query(
      `UPDATE "audit_event" SET "actor_kind" = 'anonymous' WHERE "actor_kind" = 'enrollment_token'`,
    );
    await q.query(`ALTER TABLE "audit_event" DROP CONSTRAINT "CHK_audit_event_actor_kind"`);
    await q.query(`
      ALTER TABLE "audit_event" ADD CONSTRAINT "CHK_audit_event_actor_kind"
        CHECK ("actor_kind" IN ('user', 'system', 'anonymous', 'device'))`);
  }
}
