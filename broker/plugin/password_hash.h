/*
 * Passwords as Mosquitto's password_file holds them (mosquitto_passwd, 2.0):
 * "$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512, 64 bytes>".
 */
#ifndef FLEETSTREAM_PASSWORD_HASH_H
#define FLEETSTREAM_PASSWORD_HASH_H

enum password_check {
	PASSWORD_MATCHES = 1,
	PASSWORD_DIFFERS = 0,
	/* the stored hash is not a $7$ hash this code understands */
	PASSWORD_HASH_MALFORMED = -1,
};

/* Whether `password` is the one `encoded` was made from; compares in constant time. */
enum password_check password_hash_check(const char *encoded, const char *password);

/* Whether `encoded` has the $7$ shape (decodable salt, 64-byte hash, iterations > 0). */
int password_hash_well_formed(const char *encoded);

#endif
