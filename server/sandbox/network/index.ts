// The sandbox network: the pure reachability engine and the flow records it plans, for the ping simulator and the checks.
export * from './types';
export * from './network-acls';
export * from './flow-records';
export * from './reachability';
export * from './from-snapshot';
