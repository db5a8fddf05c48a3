import { z } from '@pixelflow/config';
import { AppError } from '@pixelflow/errors';

/** A user as the auth service sees it; the User type's fields resolve from this. */
export interface UserModel {
  id: string;
  /** Normalised: NFC, trimmed, lowercase. */
  email: string;
}

/** RFC 5321's limit on a forward path, the longest address that can receive mail. */
export const MAX_EMAIL_LENGTH = 254;

const emailSchema = z.email().max(MAX_EMAIL_LENGTH);

/**
 * One spelling per address, so that `Ada@Example.com ` and `ada@example.com` are one account.
 * Lowercasing the local part is what users expect, although RFC 5321 leaves it to the mail server.
 */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/**
 * BAD_USER_INPUT (with `field`) for a string no person types: one holding a NUL, which PostgreSQL
 * text cannot store (the query would fail), or a lone UTF-16 surrogate, which UTF-8 encoders
 * replace with U+FFFD (two different strings would store, or hash, the same).
 */
export function requireText(value: string, field: string): string {
  if (value.includes('\0') || !value.isWellFormed()) {
    throw new AppError('BAD_USER_INPUT', `${field} holds a NUL or an unpaired surrogate`, { field });
  }
  return value;
}

/** The normalised address, or BAD_USER_INPUT when it is not one a person could receive mail at. */
export function parseEmail(email: string): string {
  // Cheap bound first: an absurdly long argument costs no normalisation or regular expression.
  if (email.length > MAX_EMAIL_LENGTH * 4) throw tooLong();
  requireText(email, 'email');
  const normalised = normaliseEmail(email);
  if (normalised.length > MAX_EMAIL_LENGTH) throw tooLong();
  if (!emailSchema.safeParse(normalised).success) {
    throw new AppError('BAD_USER_INPUT', 'email is not a valid email address', { field: 'email' });
  }
  return normalised;
}

const tooLong = () =>
  new AppError('BAD_USER_INPUT', `email must be at most ${MAX_EMAIL_LENGTH} characters`, { field: 'email' });

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** User ids are UUIDs; anything else is unknown without asking the database (which would fail the cast). */
export const isUserId = (id: unknown): id is string => typeof id === 'string' && uuidPattern.test(id);
