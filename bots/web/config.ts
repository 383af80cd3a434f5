// The web simulator channel needs no credentials; it is on unless SIMULATOR_ENABLED=false.
export interface WebChannelConfig {
  enabled: boolean;
}
