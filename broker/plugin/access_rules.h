/*
 * Who may do what on the broker. No per-device state: a device's rights follow
 * from its username, a service account's from the rules file.
 *
 * A device is an account named <tenant>/<site>/<device>, each level 1-128 of
 * A-Z a-z 0-9 _ . : ~ @ - (schemas/series-path.ts's segment). Its space is
 * fleet/<tenant>/<site>/<device>/#. It may
 *   publish   to any topic in its space but the platform's subtopics, which devices
 *             only receive: cmd/req/#, shadow/+/accepted, shadow/+/rejected,
 *             shadow/update/delta and config below fleet/<t>/<s>/<d>;
 *   subscribe to a filter inside its space that cannot match its uplink
 *             fleet/<t>/<s>/<d>/up (so not .../#, .../+, .../up), never $share;
 *   receive   messages on topics in its space except its uplink.
 *
 * A service account has the rights its lines in the rules file give it, one
 * rule a line ('#' starts a comment line):
 *   service <account> publish   <filter>   publish to topics the filter matches
 *   service <account> subscribe <filter>   subscribe to filters it covers (every topic
 *                                          they match, it matches): a rule
 *                                          $share/+/fleet/+/+/+/up allows any share group
 *   service <account> read      <filter>   receive messages on topics it matches
 * A wildcard at a filter's first level does not match $SYS or $share (MQTT 4.7.2).
 *
 * Unsubscribing is always allowed. Any other account has no rights.
 */
#ifndef FLEETSTREAM_ACCESS_RULES_H
#define FLEETSTREAM_ACCESS_RULES_H

#include <stdbool.h>
#include <stddef.h>

enum access_right { RIGHT_PUBLISH, RIGHT_SUBSCRIBE, RIGHT_READ };

/* what the broker asks about; the values of mosquitto_plugin.h's MOSQ_ACL_* */
enum access_request { REQUEST_READ = 0x01, REQUEST_WRITE = 0x02, REQUEST_SUBSCRIBE = 0x04, REQUEST_UNSUBSCRIBE = 0x08 };

struct access_rule {
	char *account;
	enum access_right right;
	char *filter;
};

struct access_rules {
	struct access_rule *rules;
	size_t count;
};

/* Reads the rules file; on a bad line nothing is loaded, and `error` says which line and why. 0 or -1. */
int access_rules_load(struct access_rules *rules, const char *path, char *error, size_t error_size);

/* The same from text in memory. */
int access_rules_parse(struct access_rules *rules, const char *text, char *error, size_t error_size);

void access_rules_free(struct access_rules *rules);

/* Whether an authenticated account may do `request` on `topic` (a topic, or a filter for (un)subscribe). */
bool access_allowed(const struct access_rules *rules, const char *account, int request, const char *topic);

bool device_username_valid(const char *username);

/* MQTT topic matching: does `filter` match `topic`? */
bool filter_matches(const char *filter, const char *topic);

/* Does `rule` match every topic `filter` matches? */
bool filter_covers(const char *rule, const char *filter);

#endif
