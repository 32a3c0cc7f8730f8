import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { InventoryBody } from '@fleetdesk/protocol';

/** The latest full inventory of a device, as the agent reported it (software lives in its own table). */
@Entity({ name: 'device_inventory' })
export class DeviceInventoryEntity {
  @PrimaryColumn({ name: 'device_id', type: 'uuid' })
  deviceId!: string;

  @Column({ name: 'collected_at', type: 'timestamptz' })
  collectedAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ type: 'jsonb' })
  data!: Omit<InventoryBody, 'software'>;
}
