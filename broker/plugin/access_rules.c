#include "access_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENT 128
#define MAX_DEVICE_USERNAME (3 * MAX_SEGMENT + 2)

/* ---------------------------------------------------------------- topics */

/* The level starting at `*cursor`: its start and length; advances past it and its '/'. */
static bool next_level(const char **cursor, const char **level, size_t *length)
{
	const char *end;

	if(!*cursor) return false;
	*level = *cursor;
	end = strchr(*cursor, '/');
	if(end){
		*length = (size_t)(end - *cursor);
		*cursor = end + 1;
	}else{
		*length = strlen(*cursor);
		*cursor = NULL;
	}
	return true;
}

static bool level_is(const char *level, size_t length, const char *text)
{
	return length == strlen(text) && memcmp(level, text, length) == 0;
}

bool filter_matches(const char *filter, const char *topic)
{
	const char *f = filter, *t = topic, *fl, *tl;
	size_t fn, tn;
	bool first = true;

	for(;; first = false){
		bool has_f = next_level(&f, &fl, &fn);
		bool has_t;
		if(has_f && level_is(fl, fn, "#")) return !(first && topic[0] == '$');
		has_t = next_level(&t, &tl, &tn);
		if(!has_f || !has_t) return has_f == has_t;
		if(level_is(fl, fn, "+")){
			if(first && topic[0] == '$') return false;
		}else if(fn != tn || memcmp(fl, tl, fn) != 0){
			return false;
		}
	}
}

bool filter_covers(const char *rule, const char *filter)
{
	const char *r = rule, *f = filter, *rl, *fl;
	size_t rn, fn;
	bool first = true;

	for(;; first = false){
		bool has_r = next_level(&r, &rl, &rn);
		bool has_f;
		bool wildcard_rule = has_r && (level_is(rl, rn, "#") || level_is(rl, rn, "+"));
		has_f = next_level(&f, &fl, &fn);
		if(first && has_f && wildcard_rule && fn > 0 && fl[0] == '$') return false;
		/* a/# covers a as well as a/anything */
		if(has_r && level_is(rl, rn, "#")) return true;
		if(!has_r || !has_f) return has_r == has_f;
		if(level_is(fl, fn, "#")) return false;
		if(level_is(rl, rn, "+")) continue;
		if(level_is(fl, fn, "+") || fn != rn || memcmp(fl, rl, fn) != 0) return false;
	}
}

/* '#' only as a whole last level, '+' only as a whole level, no empty filter. */
static bool filter_valid(const char *filter)
{
	const char *cursor = filter, *level;
	size_t length;

	if(!*filter) return false;
	while(next_level(&cursor, &level, &length)){
		if(memchr(level, '#', length) && (length != 1 || cursor)) return false;
		if(memchr(level, '+', length) && length != 1) return false;
	}
	return true;
}

/* ---------------------------------------------------------------- devices */

static bool segment_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		|| c == '_' || c == '.' || c == ':' || c == '~' || c == '@' || c == '-';
}

bool device_username_valid(const char *username)
{
	size_t levels = 1, run = 0;
	const char *c;

	for(c = username; *c; c++){
		if(*c == '/'){
			if(run == 0) return false;
			levels++;
			run = 0;
		}else if(!segment_char(*c) || ++run > MAX_SEGMENT){
			return false;
		}
	}
	return levels == 3 && run > 0;
}

/* Is `topic` the space fleet/<username> or inside it? */
static bool in_device_space(const char *username, const char *topic)
{
	size_t n = strlen(username);

	if(strncmp(topic, "fleet/", 6) != 0 || strncmp(topic + 6, username, n) != 0) return false;
	return topic[6 + n] == '\0' || topic[6 + n] == '/';
}

/*
 * The subtopics of a device's space that only the platform publishes on
 * (schemas/device-topics.ts, platformSubtopicFilters; access-rules.test.ts
 * keeps the two lists equal): commands, shadow answers and the retained shadow
 * delta and configuration, which a device publishing there would overwrite.
 */
static const char *const platform_subtopic_filters[] = { "cmd/req/#", "shadow/+/accepted", "shadow/+/rejected", "shadow/update/delta", "config" };

/* Is `topic`, in the space of `username`, one of the platform's subtopics? */
static bool platform_owned(const char *username, const char *topic)
{
	const char *subtopic = topic + strlen("fleet/") + strlen(username);
	size_t i;

	if(*subtopic != '/') return false;
	subtopic++;
	for(i = 0; i < sizeof(platform_subtopic_filters) / sizeof(*platform_subtopic_filters); i++){
		if(filter_matches(platform_subtopic_filters[i], subtopic)) return true;
	}
	return false;
}

static bool device_allowed(const char *username, int request, const char *topic)
{
	char uplink[sizeof("fleet/") + MAX_DEVICE_USERNAME + sizeof("/up")];

	snprintf(uplink, sizeof(uplink), "fleet/%s/up", username);
	switch(request){
		case REQUEST_WRITE:
			return in_device_space(username, topic) && !platform_owned(username, topic);
		case REQUEST_READ:
			return in_device_space(username, topic) && strcmp(topic, uplink) != 0;
		case REQUEST_SUBSCRIBE:
			return in_device_space(username, topic) && !filter_matches(topic, uplink);
		default:
			return false;
	}
}

/* ---------------------------------------------------------------- services */

static bool is_service(const struct access_rules *rules, const char *account)
{
	size_t i;
	for(i = 0; i < rules->count; i++) if(strcmp(rules->rules[i].account, account) == 0) return true;
	return false;
}

static bool service_allowed(const struct access_rules *rules, const char *account, int request, const char *topic)
{
	size_t i;

	for(i = 0; i < rules->count; i++){
		const struct access_rule *rule = &rules->rules[i];
		if(strcmp(rule->account, account) != 0) continue;
		if(request == REQUEST_WRITE && rule->right == RIGHT_PUBLISH && filter_matches(rule->filter, topic)) return true;
		if(request == REQUEST_READ && rule->right == RIGHT_READ && filter_matches(rule->filter, topic)) return true;
		if(request == REQUEST_SUBSCRIBE && rule->right == RIGHT_SUBSCRIBE && filter_covers(rule->filter, topic)) return true;
	}
	return false;
}

bool access_allowed(const struct access_rules *rules, const char *account, int request, const char *topic)
{
	if(request == REQUEST_UNSUBSCRIBE) return true;
	if(is_service(rules, account)) return service_allowed(rules, account, request, topic);
	if(device_username_valid(account)) return device_allowed(account, request, topic);
	return false;
}

/* ---------------------------------------------------------------- the file */

static int parse_right(const char *word, enum access_right *right)
{
	if(strcmp(word, "publish") == 0) *right = RIGHT_PUBLISH;
	else if(strcmp(word, "subscribe") == 0) *right = RIGHT_SUBSCRIBE;
	else if(strcmp(word, "read") == 0) *right = RIGHT_READ;
	else return -1;
	return 0;
}

void access_rules_free(struct access_rules *rules)
{
	size_t i;
	for(i = 0; i < rules->count; i++){
		free(rules->rules[i].account);
		free(rules->rules[i].filter);
	}
	free(rules->rules);
	rules->rules = NULL;
	rules->count = 0;
}

int access_rules_parse(struct access_rules *rules, const char *text, char *error, size_t error_size)
{
	char *copy = strdup(text), *line, *next, *save;
	size_t line_number = 0, capacity = 0;
	int rc = 0;

	rules->rules = NULL;
	rules->count = 0;
	if(!copy){ snprintf(error, error_size, "out of memory"); return -1; }
	for(line = copy; line && rc == 0; line = next){
		char *kind, *account, *right_word, *filter, *extra;
		enum access_right right;
		line_number++;
		next = strchr(line, '\n');
		if(next) *next++ = '\0';
		kind = strtok_r(line, " \t\r", &save);
		if(!kind || kind[0] == '#') continue;
		account = strtok_r(NULL, " \t\r", &save);
		right_word = strtok_r(NULL, " \t\r", &save);
		filter = strtok_r(NULL, " \t\r", &save);
		extra = strtok_r(NULL, " \t\r", &save);
		if(strcmp(kind, "service") != 0 || !filter || extra){
			snprintf(error, error_size, "line %zu: expected \"service <account> publish|subscribe|read <filter>\"", line_number);
			rc = -1;
		}else if(strchr(account, '/')){
			snprintf(error, error_size, "line %zu: service account \"%s\" has a '/', which would make it a device name", line_number, account);
			rc = -1;
		}else if(parse_right(right_word, &right) != 0){
			snprintf(error, error_size, "line %zu: \"%s\" is no right (publish, subscribe or read)", line_number, right_word);
			rc = -1;
		}else if(!filter_valid(filter)){
			snprintf(error, error_size, "line %zu: \"%s\" is no valid topic filter", line_number, filter);
			rc = -1;
		}else{
			if(rules->count == capacity){
				struct access_rule *grown;
				capacity = capacity ? capacity * 2 : 8;
				grown = realloc(rules->rules, capacity * sizeof(*grown));
				if(!grown){ snprintf(error, error_size, "out of memory"); rc = -1; break; }
				rules->rules = grown;
			}
			rules->rules[rules->count].account = strdup(account);
			rules->rules[rules->count].filter = strdup(filter);
			rules->rules[rules->count].right = right;
			rules->count++;
			if(!rules->rules[rules->count - 1].account || !rules->rules[rules->count - 1].filter){
				snprintf(error, error_size, "out of memory");
				rc = -1;
			}
		}
	}
	free(copy);
	if(rc != 0) access_rules_free(rules);
	return rc;
}

int access_rules_load(struct access_rules *rules, const char *path, char *error, size_t error_size)
{
	FILE *file = fopen(path, "rb");
	char *text;
	long length;
	int rc;

	rules->rules = NULL;
	rules->count = 0;
	if(!file){ snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno)); return -1; }
	if(fseek(file, 0, SEEK_END) != 0 || (length = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0){
		snprintf(error, error_size, "cannot read %s: %s", path, strerror(errno));
		fclose(file);
		return -1;
	}
	text = malloc((size_t)length + 1);
	if(!text || fread(text, 1, (size_t)length, file) != (size_t)length){
		snprintf(error, error_size, "cannot read %s", path);
		free(text);
		fclose(file);
		return -1;
	}
	fclose(file);
	text[length] = '\0';
	rc = access_rules_parse(rules, text, error, error_size);
	free(text);
	return rc;
}
