/**
 * @module test/helpers/ldk/socket-bridge
 * Bridges one `net.Socket` to LDK's `PeerManager` through a `SocketDescriptor`, the way
 * lightning-net-tokio does for Rust:
 *
 *   socket 'data' ──► queue ──(≤ 4 KiB slices)──► PeerManager.read_event ──► process_events
 *   PeerManager ──► SocketDescriptor.send_data ──► socket.write   ('drain' ──► write_buffer_space_avail)
 *   socket 'close' ──► PeerManager.socket_disconnected            (LDK ──► disconnect_socket ──► destroy)
 *
 * Backpressure (STYLE rule 8), as the `SocketDescriptor` contract asks:
 *  - When `socket.write` returns false the bridge is *blocked*: later `send_data` calls accept 0 bytes,
 *    reading stops, and on 'drain' it unblocks and calls `write_buffer_space_avail` so LDK resends.
 *  - When `read_event` returns `true` LDK wants reads paused until a `send_data` with
 *    `resume_read`; the bridge holds the rest of the queue and pauses the socket until then.
 * Reentrancy: LDK forbids calling back into `PeerManager` from inside `send_data`/`disconnect_socket`,
 * so those only touch the socket; Node emits 'drain' and 'close' on a later tick.
 *
 * Does not: decide whom to connect to, run timers, or process `ChannelManager` events (`ldk-node.ts`).
 */
import type { Socket } from 'node:net';
import * as ldk from 'lightningdevkit';
import { READ_CHUNK_BYTES } from './constants.js';

/** Callbacks from a bridge to its owner. */
export interface SocketBridgeHooks {
  /** After LDK consumed inbound bytes (and `process_events` ran): a good time to drain LDK events. */
  readonly afterRead: () => void;
  /** Once, when the socket has closed and LDK has been told. */
  readonly onClosed: (bridge: SocketBridge) => void;
}

/** One socket ⇄ `PeerManager` bridge. Create it, then hand `descriptor` to `new_*_connection`. */
export class SocketBridge {
  /** The descriptor LDK uses for this connection; equal only to itself (unique `id`). */
  readonly descriptor: ldk.SocketDescriptor;
  /** The socket, for the owner to end on shutdown. */
  readonly socket: Socket;
  /** Resolves when the socket has closed and LDK has been told. */
  readonly closed: Promise<void>;
  private readonly pm: ldk.PeerManager;
  private readonly hooks: SocketBridgeHooks;
  private readonly inbound: Uint8Array[] = [];
  /** A write returned false: accept nothing more until 'drain'. */
  private writeBlocked = false;
  /** `read_event` returned true: feed no more until `send_data(…, resume_read = true)`. */
  private readPausedByLdk = false;
  private isClosed = false;

  constructor(socket: Socket, pm: ldk.PeerManager, id: bigint, hooks: SocketBridgeHooks) {
    this.socket = socket;
    this.pm = pm;
    this.hooks = hooks;
    socket.setNoDelay(true);
    this.descriptor = ldk.SocketDescriptor.new_impl({
      send_data: (data, resumeRead) => this.sendData(data, resumeRead),
      disconnect_socket: () => { socket.destroy(); },
      eq: (other) => other.hash() === id,
      hash: () => id,
    });
    socket.on('data', (chunk: Buffer) => {
      this.inbound.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.pump();
    });
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => { /* 'close' follows every 'error'; LDK is told there */ });
    this.closed = new Promise((resolve) => socket.once('close', () => { this.onClose(); resolve(); }));
  }

  /** `SocketDescriptor.send_data`: write what the socket takes now, report how much that was. */
  private sendData(data: Uint8Array, resumeRead: boolean): number {
    if (resumeRead && this.readPausedByLdk) {
      this.readPausedByLdk = false;
      // Feeding the held queue re-enters PeerManager, which is not allowed from inside send_data.
      setImmediate(() => this.pump());
    }
    if (this.isClosed || this.socket.destroyed || this.writeBlocked) return 0;
    if (!this.socket.write(data)) this.writeBlocked = true;
    this.updateFlow();
    return data.length;
  }

  private onDrain(): void {
    if (!this.writeBlocked || this.isClosed) return;
    this.writeBlocked = false;
    if (!this.pm.write_buffer_space_avail(this.descriptor).is_ok()) { this.socket.destroy(); return; }
    this.pm.process_events();
    this.pump();
  }

  /** Hands queued inbound bytes to LDK in ≤ READ_CHUNK_BYTES slices while reading is allowed. */
  private pump(): void {
    let fed = false;
    while (!this.isClosed && !this.socket.destroyed && !this.readPausedByLdk && !this.writeBlocked && this.inbound.length > 0) {
      const head = this.inbound[0]!;
      const slice = head.subarray(0, READ_CHUNK_BYTES);
      if (slice.length === head.length) this.inbound.shift();
      else this.inbound[0] = head.subarray(READ_CHUNK_BYTES);
      const res = this.pm.read_event(this.descriptor, slice);
      fed = true;
      if (!(res instanceof ldk.Result_boolPeerHandleErrorZ_OK)) { this.socket.destroy(); break; }
      if (res.res) this.readPausedByLdk = true;
    }
    this.updateFlow();
    if (fed) {
      this.pm.process_events();
      this.hooks.afterRead();
    }
  }

  /** Pauses the socket while LDK must not be fed, resumes it otherwise. */
  private updateFlow(): void {
    if (this.isClosed) return;
    if (this.readPausedByLdk || this.writeBlocked) this.socket.pause();
    else this.socket.resume();
  }

  private onClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.inbound.length = 0;
    this.pm.socket_disconnected(this.descriptor);
    this.pm.process_events();
    this.hooks.onClosed(this);
  }
}
