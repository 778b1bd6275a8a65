// Simulated traffic in an account: read its network, decide with the reachability engine, write real-format flow records.
export * from './delivery';
export * from './noise';
export * from './read-network';
export * from './records';
export * from './simulate';
export * from './flow-log-status';
