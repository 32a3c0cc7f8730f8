import type * as api from '@fleetdesk/api-types';
import type * as protocol from '@fleetdesk/protocol';

/**
 * @fleetdesk/api-types mirrors a few agent-protocol shapes instead of importing them, because the
 * protocol's source needs Node and browsers type-check api-types. These checks fail to compile
 * as soon as the two differ, so the server keeps passing the agent's reports through unchanged.
 */
type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type Flat<T> = { [K in keyof T]: T[K] };

export type ProtocolShapesMatch = [
  Assert<Same<api.HeartbeatMetrics, protocol.HeartbeatBody>>,
  Assert<Same<api.MemoryUsage, protocol.MemoryUsage>>,
  Assert<Same<api.DiskUsage, protocol.DiskUsage>>,
  Assert<Same<api.OsInfo, protocol.OsInfo>>,
  Assert<Same<api.CpuInfo, protocol.CpuInfo>>,
  Assert<Same<api.DiskInfo, protocol.DiskInfo>>,
  Assert<Same<api.NetworkInterfaceInfo, protocol.NetworkInterfaceInfo>>,
  Assert<Same<api.LoggedInUser, protocol.LoggedInUser>>,
  Assert<Same<api.SoftwareSource, protocol.SoftwareSource>>,
  Assert<Same<api.ScriptLanguage, protocol.ScriptLanguage>>,
  // The stored inventory is the agent's report minus its software list; the API swaps the
  // epoch-ms collectedAt for an ISO string and adds the software count.
  Assert<
    Same<
      Flat<Omit<api.DeviceInventory, 'collectedAt' | 'softwareCount'>>,
      Flat<Omit<protocol.InventoryBody, 'collectedAt' | 'software'>>
    >
  >,
];
