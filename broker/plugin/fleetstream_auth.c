/*
 * fleetstream's Mosquitto 2.0 plugin (plugin API 5): passwords from an auth
 * file of $7$ hashes (the registry's broker_password_hash, as it is), rights by
 * rule (access_rules.h), and the file re-read within a second of a change.
 *
 *   plugin /path/to/fleetstream_auth.so
 *   plugin_opt_auth_file  /path/to/auth      required; "<username>:<$7$ hash>" lines
 *   plugin_opt_rules_file /path/to/rules     optional; the service accounts' rights
 *
 * Both files are read again on SIGHUP and when they change (checked at most once
 * a second, on the broker's tick), so a writer that replaces a file (write a
 * temporary file, rename it over) needs no signal. After a reload every
 * connected client whose account is gone or whose hash changed is disconnected.
 *
 * Client-certificate listeners (use_identity_as_username): Mosquitto 2.0 asks no
 * plugin at CONNECT there (handle_connect.c: "Authentication assumed to be
 * cleared"), so a certificate whose account is not in the file connects, but
 * every publish and subscribe it tries is refused and the client is
 * disconnected at the next tick; a device removed from the file while connected
 * is disconnected at the reload like any other.
 *
 * Needs the global security settings (per_listener_settings false): Mosquitto
 * 2.0 sends ticks only then.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include "access_rules.h"
#include "account_table.h"
#include "password_hash.h"

#define LOG_PREFIX "fleetstream-auth: "
#define MAX_PENDING_KICKS 64

/* what tells a replaced or rewritten file from the one loaded */
struct file_stamp {
	dev_t device;
	ino_t inode;
	off_t size;
	struct timespec modified;
	struct timespec changed;
	bool present;
};

struct plugin_state {
	mosquitto_plugin_id_t *id;
	char *auth_path;
	char *rules_path;
	struct account_table accounts;
	struct access_rules rules;
	struct file_stamp auth_stamp;
	struct file_stamp rules_stamp;
	time_t last_check;
	/* clients refused for want of an account (certificate listeners), disconnected at the next tick */
	char *pending_kicks[MAX_PENDING_KICKS];
	size_t pending_count;
};

/* a known $7$ hash: an unknown username costs what a wrong password costs */
static const char decoy_hash[] = "$7$101$c2FsdHNhbHRzYWx0$"
	"7u46bdZnsbwZVETTczr2ZVG03oipKOeqri1k5EhFk1AgLpHxv89AWpoCHrqmDqy2hdWU5/j/ZfGBo78FlM+p6g==";

static struct file_stamp stamp_of(const char *path)
{
	struct file_stamp stamp;
	struct stat info;

	memset(&stamp, 0, sizeof(stamp));
	if(stat(path, &info) == 0){
		stamp.present = true;
		stamp.device = info.st_dev;
		stamp.inode = info.st_ino;
		stamp.size = info.st_size;
		stamp.modified = info.st_mtim;
		stamp.changed = info.st_ctim;
	}
	return stamp;
}

static bool stamps_equal(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->present == b->present && a->device == b->device && a->inode == b->inode && a->size == b->size
		&& a->modified.tv_sec == b->modified.tv_sec && a->modified.tv_nsec == b->modified.tv_nsec
		&& a->changed.tv_sec == b->changed.tv_sec && a->changed.tv_nsec == b->changed.tv_nsec;
}

/* Disconnects every client of an account that `fresh` no longer has, or has with another hash. */
static size_t kick_changed_accounts(const struct account_table *old, const struct account_table *fresh)
{
	size_t i, kicked = 0;

	for(i = 0; i < old->capacity; i++){
		const struct account *before = &old->slots[i];
		const struct account *after;
		if(!before->username) continue;
		after = account_table_find(fresh, before->username);
		if(!after || strcmp(after->password_hash, before->password_hash) != 0){
			mosquitto_kick_client_by_username(before->username, false);
			kicked++;
		}
	}
	return kicked;
}

static void load_accounts(struct plugin_state *state, bool force)
{
	struct file_stamp stamp = stamp_of(state->auth_path);
	struct account_table fresh;
	struct timespec started, finished;
	size_t kicked;

	if(!force && stamps_equal(&stamp, &state->auth_stamp)) return;
	clock_gettime(CLOCK_MONOTONIC, &started);
	if(account_table_load(&fresh, state->auth_path) != 0){
		/* a writer replaces the file atomically, so a missing or unreadable file is a mistake: keep what is loaded */
		if(stamp.present || state->auth_stamp.present){
			mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "cannot read the auth file %s (%s); keeping the %zu accounts loaded before",
					state->auth_path, strerror(errno), state->accounts.count);
		}
		state->auth_stamp = stamp;
		return;
	}
	kicked = kick_changed_accounts(&state->accounts, &fresh);
	account_table_free(&state->accounts);
	state->accounts = fresh;
	state->auth_stamp = stamp;
	clock_gettime(CLOCK_MONOTONIC, &finished);
	/* the broker serves nobody meanwhile: the time says what a reload costs at this size */
	mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "loaded %zu accounts from %s in %ld ms; %zu changed or removed (their clients disconnected)",
			fresh.count, state->auth_path,
			(long)((finished.tv_sec - started.tv_sec) * 1000 + (finished.tv_nsec - started.tv_nsec) / 1000000), kicked);
	if(fresh.malformed){
		mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "%s: skipped %zu lines that are no \"<username>:<$7$ hash>\" (the first: line %zu)",
				state->auth_path, fresh.malformed, fresh.first_malformed_line);
	}
	if(fresh.duplicates){
		mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "%s: %zu usernames appear more than once; the last line counts",
				state->auth_path, fresh.duplicates);
	}
}

/* 0, or -1 when the file is unusable (the rules loaded before stay). */
static int load_rules(struct plugin_state *state, bool force)
{
	struct file_stamp stamp;
	struct access_rules fresh;
	char error[512];

	if(!state->rules_path) return 0;
	stamp = stamp_of(state->rules_path);
	if(!force && stamps_equal(&stamp, &state->rules_stamp)) return 0;
	state->rules_stamp = stamp;
	if(access_rules_load(&fresh, state->rules_path, error, sizeof(error)) != 0){
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "rules file %s: %s; keeping the %zu rules loaded before",
				state->rules_path, error, state->rules.count);
		return -1;
	}
	access_rules_free(&state->rules);
	state->rules = fresh;
	mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "loaded %zu rules from %s", fresh.count, state->rules_path);
	return 0;
}

static void queue_kick(struct plugin_state *state, const char *username)
{
	size_t i;
	char *copy;

	for(i = 0; i < state->pending_count; i++) if(strcmp(state->pending_kicks[i], username) == 0) return;
	/* when full, the client's next refused request queues it again */
	if(state->pending_count == MAX_PENDING_KICKS) return;
	copy = strdup(username);
	if(copy) state->pending_kicks[state->pending_count++] = copy;
}

/* Kicked on the tick, not inside the ACL check: the broker is still handling that client's packet then. */
static void kick_pending(struct plugin_state *state)
{
	size_t i;
	for(i = 0; i < state->pending_count; i++){
		if(!account_table_find(&state->accounts, state->pending_kicks[i])){
			mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "disconnecting %s: no account", state->pending_kicks[i]);
			mosquitto_kick_client_by_username(state->pending_kicks[i], false);
		}
		free(state->pending_kicks[i]);
	}
	state->pending_count = 0;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_basic_auth *auth = event_data;
	struct plugin_state *state = userdata;
	const struct account *account;
	(void)event;

	if(!auth->username || !auth->password) return MOSQ_ERR_AUTH;
	account = account_table_find(&state->accounts, auth->username);
	if(!account){
		password_hash_check(decoy_hash, auth->password);
		return MOSQ_ERR_AUTH;
	}
	switch(password_hash_check(account->password_hash, auth->password)){
		case PASSWORD_MATCHES:
			return MOSQ_ERR_SUCCESS;
		case PASSWORD_HASH_MALFORMED:
			mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "the hash of %s cannot be checked", auth->username);
			return MOSQ_ERR_AUTH;
		default:
			return MOSQ_ERR_AUTH;
	}
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_acl_check *check = event_data;
	struct plugin_state *state = userdata;
	const char *username = mosquitto_client_username(check->client);
	(void)event;

	if(!username) return MOSQ_ERR_ACL_DENIED;
	if(!account_table_find(&state->accounts, username)){
		queue_kick(state, username);
		return MOSQ_ERR_ACL_DENIED;
	}
	return access_allowed(&state->rules, username, check->access, check->topic) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

static int on_reload(int event, void *event_data, void *userdata)
{
	struct plugin_state *state = userdata;
	(void)event;
	(void)event_data;

	load_rules(state, true);
	load_accounts(state, true);
	/* let the broker's own reload and other plugins run too */
	return MOSQ_ERR_PLUGIN_DEFER;
}

static int on_tick(int event, void *event_data, void *userdata)
{
	struct plugin_state *state = userdata;
	struct timespec now;
	(void)event;
	(void)event_data;

	if(state->pending_count) kick_pending(state);
	/* the event's own time fields are not filled in by 2.0 */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if(now.tv_sec == state->last_check) return MOSQ_ERR_SUCCESS;
	state->last_check = now.tv_sec;
	load_rules(state, false);
	load_accounts(state, false);
	return MOSQ_ERR_SUCCESS;
}

static void free_state(struct plugin_state *state)
{
	size_t i;
	for(i = 0; i < state->pending_count; i++) free(state->pending_kicks[i]);
	account_table_free(&state->accounts);
	access_rules_free(&state->rules);
	free(state->auth_path);
	free(state->rules_path);
	free(state);
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	int i;
	for(i = 0; i < supported_version_count; i++) if(supported_versions[i] == 5) return 5;
	return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata, struct mosquitto_opt *options, int option_count)
{
	struct plugin_state *state = calloc(1, sizeof(*state));
	int i;

	if(!state) return MOSQ_ERR_NOMEM;
	state->id = identifier;
	for(i = 0; i < option_count; i++){
		if(strcmp(options[i].key, "auth_file") == 0) state->auth_path = strdup(options[i].value);
		else if(strcmp(options[i].key, "rules_file") == 0) state->rules_path = strdup(options[i].value);
		else mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "unknown option plugin_opt_%s ignored (known: auth_file, rules_file)", options[i].key);
	}
	if(!state->auth_path){
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "plugin_opt_auth_file is not set: name the file of \"<username>:<$7$ hash>\" lines");
		free_state(state);
		return MOSQ_ERR_INVAL;
	}
	/* a broken rules file at start is an error to fix, not a broker without service accounts */
	if(load_rules(state, true) != 0){
		free_state(state);
		return MOSQ_ERR_INVAL;
	}
	load_accounts(state, true);
	if(!state->auth_stamp.present){
		mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "the auth file %s does not exist (yet): every client is refused until it does",
				state->auth_path);
	}
	if(mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL, state)
			|| mosquitto_callback_register(identifier, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, state)
			|| mosquitto_callback_register(identifier, MOSQ_EVT_RELOAD, on_reload, NULL, state)
			|| mosquitto_callback_register(identifier, MOSQ_EVT_TICK, on_tick, NULL, state)){
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "could not register with the broker (is it Mosquitto 2.0 or newer?)");
		free_state(state);
		return MOSQ_ERR_UNKNOWN;
	}
	*userdata = state;
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	struct plugin_state *state = userdata;
	(void)options;
	(void)option_count;

	if(!state) return MOSQ_ERR_SUCCESS;
	mosquitto_callback_unregister(state->id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
	mosquitto_callback_unregister(state->id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
	mosquitto_callback_unregister(state->id, MOSQ_EVT_RELOAD, on_reload, NULL);
	mosquitto_callback_unregister(state->id, MOSQ_EVT_TICK, on_tick, NULL);
	free_state(state);
	return MOSQ_ERR_SUCCESS;
}
