#include "password_hash.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#define HASH_BYTES 64
#define MAX_SALT_BYTES 64
/* a file entry with more would stall the broker's single thread at every connect */
#define MAX_ITERATIONS 10000000L

struct parsed_hash {
	long iterations;
	unsigned char salt[MAX_SALT_BYTES];
	int salt_length;
	unsigned char hash[HASH_BYTES];
};

/* Standard base64 with padding; the number of bytes, or -1. */
static int base64_decode(const char *text, size_t length, unsigned char *out, int capacity)
{
	unsigned char buffer[3 * ((MAX_SALT_BYTES + HASH_BYTES) / 3 + 2)];
	int decoded, padding = 0;

	if(length == 0 || length % 4 != 0 || length / 4 * 3 > sizeof(buffer)) return -1;
	decoded = EVP_DecodeBlock(buffer, (const unsigned char *)text, (int)length);
	if(decoded < 0) return -1;
	/* EVP_DecodeBlock counts the padding's zero bytes */
	if(text[length - 1] == '=') padding++;
	if(text[length - 2] == '=') padding++;
	decoded -= padding;
	if(decoded <= 0 || decoded > capacity) return -1;
	memcpy(out, buffer, (size_t)decoded);
	return decoded;
}

static int parse_hash(const char *encoded, struct parsed_hash *parsed)
{
	const char *salt, *hash;
	char *end;

	if(strncmp(encoded, "$7$", 3) != 0) return -1;
	parsed->iterations = strtol(encoded + 3, &end, 10);
	if(end == encoded + 3 || *end != '$' || parsed->iterations <= 0 || parsed->iterations > MAX_ITERATIONS) return -1;
	salt = end + 1;
	hash = strchr(salt, '$');
	if(!hash) return -1;
	parsed->salt_length = base64_decode(salt, (size_t)(hash - salt), parsed->salt, MAX_SALT_BYTES);
	if(parsed->salt_length < 0) return -1;
	hash++;
	if(base64_decode(hash, strlen(hash), parsed->hash, HASH_BYTES) != HASH_BYTES) return -1;
	return 0;
}

int password_hash_well_formed(const char *encoded)
{
	struct parsed_hash parsed;
	return parse_hash(encoded, &parsed) == 0;
}

enum password_check password_hash_check(const char *encoded, const char *password)
{
	struct parsed_hash parsed;
	unsigned char derived[HASH_BYTES];

	if(parse_hash(encoded, &parsed) != 0) return PASSWORD_HASH_MALFORMED;
	if(!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), parsed.salt, parsed.salt_length,
			(int)parsed.iterations, EVP_sha512(), HASH_BYTES, derived)){
		return PASSWORD_HASH_MALFORMED;
	}
	return CRYPTO_memcmp(derived, parsed.hash, HASH_BYTES) == 0 ? PASSWORD_MATCHES : PASSWORD_DIFFERS;
}
