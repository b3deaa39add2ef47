export { BandwidthChannel, type ChannelConfig, type Transfer } from './channel';
export { BankedSram, type SramConfig } from './sram';
export { TrafficLedger } from './traffic';
