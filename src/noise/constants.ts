/**
 * @module noise/constants
 * Every fixed size and limit of BOLT 8 in one place (STYLE rule 7), each with its unit and reason.
 *
 * Spec: <https://github.com/lightning/bolts/blob/master/08-transport.md>.
 * Does not: hold tunables; none of these may change without breaking interoperability.
 */

/** ASCII protocol name hashed into the initial handshake state (bytes). */
export const PROTOCOL_NAME = 'Noise_XK_secp256k1_ChaChaPoly_SHA256';

/** ASCII prologue mixed into the handshake hash. */
export const PROLOGUE = 'lightning';

/** The only handshake version byte defined (first byte of every act). */
export const HANDSHAKE_VERSION = 0;

/** Act One length in bytes: version (1) + ephemeral key (33) + tag (16). */
export const ACT_ONE_LEN = 50;
/** Act Two length in bytes: version (1) + ephemeral key (33) + tag (16). */
export const ACT_TWO_LEN = 50;
/** Act Three length in bytes: version (1) + encrypted static key (33 + 16) + tag (16). */
export const ACT_THREE_LEN = 66;

/** Poly1305 tag length in bytes. */
export const MAC_LEN = 16;

/** Encrypted length prefix in bytes: 2-byte big-endian length + 16-byte tag. */
export const LENGTH_HEADER_LEN = 2 + MAC_LEN;

/**
 * Largest Lightning message in bytes (the length prefix is a u16). Enforced on send; on receive the
 * u16 cannot exceed it, and nothing is allocated for a length before its tag has been checked.
 */
export const MAX_MESSAGE_LEN = 65535;

/** Encryptions or decryptions with one key before it rotates (i.e. every 500 messages). */
export const KEY_ROTATION_INTERVAL = 1000;
