/**
 * @module provision/errors
 * The one error class of `src/provision` (STYLE rule 5): a closed set of codes, each message saying
 * what to do. Messages name files, boards and fields, never key material.
 *
 * Does not: log or format for users (the CLI prints `code` and `message`).
 */
import { LnfleetError } from '../errors.js';

/** Why provisioning, a bundle or first boot failed. */
export type ProvisionErrorCode =
  /** A command-line value or fleet field is malformed (bad IP, name, priority, GPIO number). */
  | 'PROVISION_INVALID_ARGUMENT'
  /** A file the command needs is absent (no fleet, no CA: run `provision init` first). */
  | 'PROVISION_FILE_MISSING'
  /** A file the command would create already exists; nothing is overwritten. */
  | 'PROVISION_FILE_EXISTS'
  /** A file exists but its content is not what we wrote (bad JSON, wrong shape). */
  | 'PROVISION_BAD_FILE'
  /** A private key file is readable or writable by group or others. */
  | 'PROVISION_PERMISSIONS'
  /** No board of that name is provisioned. */
  | 'PROVISION_UNKNOWN_BOARD'
  /** A bundle is not a well-formed lnfleet bundle (tar, manifest, hashes, members, certificates). */
  | 'BUNDLE_INVALID'
  /** First boot could not apply a valid bundle (file system error under the root). */
  | 'FIRSTBOOT_FAILED';

/** Error of `src/provision`. */
export class ProvisionError extends LnfleetError<ProvisionErrorCode> {}
