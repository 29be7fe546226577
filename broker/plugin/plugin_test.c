/* Tests of the plugin's pure parts: hashes, the auth file table, topic matching and the rules. `make check` */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_rules.h"
#include "account_table.h"
#include "password_hash.h"

static int failures;

#define EXPECT(condition) do{ if(!(condition)){ fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #condition); failures++; } }while(0)

/* written by mosquitto_passwd 2.0.11 for the password secret-1 */
static const char passwd_hash[] = "$7$101$GknRItUc/ABU26ij$rxyUWWS2kzSrXMEQ5I0pAuqhP+KwnwJcx4m6jeawlUa5yNNjlvHeZbTG9BPUcQjxaXRV2dwFCIaReNUwhK8XyQ==";

static void password_hashes(void)
{
	EXPECT(password_hash_check(passwd_hash, "secret-1") == PASSWORD_MATCHES);
	EXPECT(password_hash_check(passwd_hash, "secret-2") == PASSWORD_DIFFERS);
	EXPECT(password_hash_check(passwd_hash, "") == PASSWORD_DIFFERS);
	EXPECT(password_hash_check("$6$abc$def", "x") == PASSWORD_HASH_MALFORMED);
	EXPECT(password_hash_check("$7$0$GknRItUc/ABU26ij$rxyU", "x") == PASSWORD_HASH_MALFORMED);
	/* a hash cut short is no 64-byte hash */
	EXPECT(!password_hash_well_formed("$7$101$GknRItUc/ABU26ij$rxyUWWS2kzSrXMEQ5I0pAuqhP+KwnwJcx4m6jeawlUa5yNNjlvHeZbTG9BPUcQjx"));
}

static void auth_file(void)
{
	struct account_table table;
	char text[2048];
	snprintf(text, sizeof(text),
			"# services\n"
			"fleetstream-mqtt-source:%s\r\n"
			"\n"
			"acme/site:1/meter:%s\n"
			"broken line\n"
			"acme/a/b:%s\n"
			"acme/a/b:%s", passwd_hash, passwd_hash, passwd_hash, "$7$101$GknRItUc/ABU26ij$rxyUWWS2kzSrXMEQ5I0pAuqhP+KwnwJcx4m6jeawlUa5yNNjlvHeZbTG9BPUcQjxaXRV2dwFCIaReNUwhK8XyQ==");
	EXPECT(account_table_parse(&table, text, strlen(text)) == 0);
	EXPECT(table.count == 3);
	EXPECT(table.malformed == 1 && table.first_malformed_line == 5);
	EXPECT(table.duplicates == 1);
	EXPECT(account_table_find(&table, "fleetstream-mqtt-source") != NULL);
	/* the username ends at the last ':' */
	EXPECT(account_table_find(&table, "acme/site:1/meter") != NULL);
	EXPECT(strcmp(account_table_find(&table, "acme/site:1/meter")->password_hash, passwd_hash) == 0);
	EXPECT(account_table_find(&table, "acme/site") == NULL);
	EXPECT(account_table_find(&table, "nobody") == NULL);
	account_table_free(&table);

	/* many accounts: every one found, probing included */
	{
		size_t n = 5000, i, length = 0;
		char *big = malloc(n * 200), name[64];
		for(i = 0; i < n; i++) length += (size_t)sprintf(big + length, "t/s/d%zu:%s\n", i, passwd_hash);
		EXPECT(account_table_parse(&table, big, length) == 0);
		EXPECT(table.count == n);
		for(i = 0; i < n; i++){
			snprintf(name, sizeof(name), "t/s/d%zu", i);
			if(!account_table_find(&table, name)){ EXPECT(!"every account found"); break; }
		}
		account_table_free(&table);
		free(big);
	}
}

static void topics(void)
{
	EXPECT(filter_matches("fleet/+/+/+/up", "fleet/a/b/c/up"));
	EXPECT(!filter_matches("fleet/+/+/+/up", "fleet/a/b/up"));
	EXPECT(filter_matches("fleet/a/#", "fleet/a"));
	EXPECT(filter_matches("#", "fleet/a"));
	EXPECT(!filter_matches("#", "$SYS/broker/uptime"));
	EXPECT(!filter_matches("+/broker/uptime", "$SYS/broker/uptime"));
	EXPECT(filter_matches("$SYS/#", "$SYS/broker/uptime"));

	EXPECT(filter_covers("$share/+/fleet/+/+/+/up", "$share/fleetstream/fleet/+/+/+/up"));
	EXPECT(filter_covers("$share/+/fleet/+/+/+/up", "$share/g/fleet/acme/+/m/up"));
	EXPECT(!filter_covers("$share/+/fleet/+/+/+/up", "$share/g/fleet/#"));
	EXPECT(!filter_covers("$share/+/fleet/+/+/+/up", "$share/g/fleet/+/+/+/+"));
	EXPECT(!filter_covers("fleet/+/+/+/up", "$share/g/fleet/+/+/+/up"));
	EXPECT(!filter_covers("#", "$share/g/fleet/+/+/+/up"));
	EXPECT(!filter_covers("#", "$SYS/#"));
	EXPECT(filter_covers("#", "fleet/#"));
	EXPECT(filter_covers("fleet/#", "fleet"));
	EXPECT(!filter_covers("fleet/+", "fleet/#"));
	EXPECT(!filter_covers("fleet/a", "fleet/a/b"));
	EXPECT(!filter_covers("fleet/a/b", "fleet/a"));
}

static void devices(void)
{
	struct access_rules none = {0};

	EXPECT(device_username_valid("acme/plant-1/meter.7"));
	EXPECT(device_username_valid("a/b:c/d~e@f_g"));
	EXPECT(!device_username_valid("acme/plant"));
	EXPECT(!device_username_valid("acme/plant/meter/extra"));
	EXPECT(!device_username_valid("acme/+/meter"));
	EXPECT(!device_username_valid("acme/#/x"));
	EXPECT(!device_username_valid("acme//meter"));
	EXPECT(!device_username_valid("/a/b"));
	EXPECT(!device_username_valid("a/b/"));
	EXPECT(!device_username_valid("$SYS/a/b"));
	EXPECT(!device_username_valid("a b/c/d"));

	EXPECT(access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/up"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/cmd/ack"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/b/up"));
	/* a device named as a prefix of another's name */
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/ab/up"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "other/t/s/a/up"));

	/* the platform's subtopics of its own space: it receives them, never publishes them */
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/cmd/req/0b6f3c1e-1a2b-4c3d-8e9f-0123456789ab/reboot"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/cmd/req"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/shadow/update/accepted"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/shadow/get/rejected"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/shadow/update/delta"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/config"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/cmd/ack/0b6f3c1e-1a2b-4c3d-8e9f-0123456789ab"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/cmd/res/0b6f3c1e-1a2b-4c3d-8e9f-0123456789ab/succeeded"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/shadow/update"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/config/ack"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_WRITE, "fleet/t/s/a/status"));
	/* a device named config or cmd: only the levels below its space count */
	EXPECT(access_allowed(&none, "t/s/config", REQUEST_WRITE, "fleet/t/s/config/status"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_READ, "fleet/t/s/a/config"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_READ, "fleet/t/s/a/shadow/update/delta"));

	EXPECT(access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/cmd/#"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/cmd/req/#"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/shadow/#"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/config"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/+/+"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/up"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/#"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/+"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/t/s/a/+/#"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/#"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "fleet/+/s/a/cmd/#"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "$share/fleetstream/fleet/+/+/+/up"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_SUBSCRIBE, "$share/g/fleet/t/s/a/cmd/#"));

	EXPECT(access_allowed(&none, "t/s/a", REQUEST_READ, "fleet/t/s/a/cmd/x"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_READ, "fleet/t/s/a/up"));
	EXPECT(!access_allowed(&none, "t/s/a", REQUEST_READ, "fleet/t/s/b/cmd/x"));
	EXPECT(access_allowed(&none, "t/s/a", REQUEST_UNSUBSCRIBE, "fleet/#"));

	/* neither a device nor a service */
	EXPECT(!access_allowed(&none, "someone", REQUEST_WRITE, "fleet/someone/x"));
}

static void services(void)
{
	struct access_rules rules;
	char error[256];
	const char *text =
		"# the connector\n"
		"service fleetstream-mqtt-source subscribe $share/+/fleet/+/+/+/up\n"
		"service fleetstream-mqtt-source subscribe fleet/+/+/+/up\n"
		"  service   fleetstream-mqtt-source\tread fleet/+/+/+/up\n"
		"service fleetstream-mqtt-source publish fleet/+/+/+/cmd/#\n";

	EXPECT(access_rules_parse(&rules, text, error, sizeof(error)) == 0);
	EXPECT(rules.count == 4);
	EXPECT(access_allowed(&rules, "fleetstream-mqtt-source", REQUEST_SUBSCRIBE, "$share/fleetstream/fleet/+/+/+/up"));
	EXPECT(access_allowed(&rules, "fleetstream-mqtt-source", REQUEST_SUBSCRIBE, "fleet/+/+/+/up"));
	EXPECT(!access_allowed(&rules, "fleetstream-mqtt-source", REQUEST_SUBSCRIBE, "fleet/#"));
	EXPECT(access_allowed(&rules, "fleetstream-mqtt-source", REQUEST_READ, "fleet/t/s/d/up"));
	EXPECT(!access_allowed(&rules, "fleetstream-mqtt-source", REQUEST_READ, "fleet/t/s/d/cmd/x"));
	EXPECT(access_allowed(&rules, "fleetstream-mqtt-source", REQUEST_WRITE, "fleet/t/s/d/cmd/reboot"));
	EXPECT(!access_allowed(&rules, "fleetstream-mqtt-source", REQUEST_WRITE, "fleet/t/s/d/up"));
	EXPECT(!access_allowed(&rules, "other-service", REQUEST_READ, "fleet/t/s/d/up"));
	access_rules_free(&rules);

	EXPECT(access_rules_parse(&rules, "service a write fleet/#\n", error, sizeof(error)) != 0);
	EXPECT(strstr(error, "line 1") != NULL);
	EXPECT(access_rules_parse(&rules, "# ok\nservice a read fleet/#/x\n", error, sizeof(error)) != 0);
	EXPECT(strstr(error, "line 2") != NULL);
	EXPECT(access_rules_parse(&rules, "service a read fleet/a+\n", error, sizeof(error)) != 0);
	EXPECT(access_rules_parse(&rules, "service t/s/d read fleet/#\n", error, sizeof(error)) != 0);
	EXPECT(access_rules_parse(&rules, "service a read\n", error, sizeof(error)) != 0);
	EXPECT(access_rules_parse(&rules, "service a read x y\n", error, sizeof(error)) != 0);
	EXPECT(access_rules_parse(&rules, "device a read x\n", error, sizeof(error)) != 0);
}

int main(void)
{
	password_hashes();
	auth_file();
	topics();
	devices();
	services();
	if(failures){
		fprintf(stderr, "%d failed\n", failures);
		return 1;
	}
	printf("plugin tests passed\n");
	return 0;
}
