package infracheck

import (
	"strings"
	"testing"
)

const infraDir = "../../../infra"

// TestRepositoryInfra: infra/ as committed passes every rule.
func TestRepositoryInfra(t *testing.T) {
	fs, err := Load(infraDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) < 8 {
		t.Fatalf("only %d .tf files in infra/", len(fs))
	}
	if errs := Check(fs); len(errs) > 0 {
		t.Fatalf("infra/:\n  %s", strings.Join(errs, "\n  "))
	}
}

// TestCheckCatchesPlantedMistakes: each mistake, planted in a copy of the
// real files, is reported with the expected message; a checker that found
// nothing would pass TestRepositoryInfra too.
func TestCheckCatchesPlantedMistakes(t *testing.T) {
	cases := []struct{ name, file, old, new, want string }{
		{"MySQL 5.7", "mysql.tf", `engine_version    = "8.0"`, `engine_version    = "5.7"`, "engine_version must be 8.0"},
		{"no replica", "mysql.tf", "  first_slave_zone  = var.zones[1]\n", "", "first_slave_zone is required"},
		{"latin1", "mysql.tf", `character_set_server            = "utf8mb4"`, `character_set_server            = "latin1"`, `parameters.character_set_server must be "utf8mb4"`},
		{"no backups", "mysql.tf", `resource "tencentcloud_mysql_backup_policy"`, `resource "tencentcloud_mysql_backup_policy_x"`, "no tencentcloud_mysql_backup_policy"},
		{"literal Redis password", "redis.tf", "password           = var.redis_password", `password           = "hunter2hunter2"`, "password is a literal secret"},
		{"Redis outside the VPC", "redis.tf", "  vpc_id             = tencentcloud_vpc.main.id\n", "", "vpc_id is required"},
		{"secret variable with a default", "variables.tf", "TF_VAR_redis_password.\"\n  type        = string\n  sensitive   = true\n", "TF_VAR_redis_password.\"\n  type        = string\n  sensitive   = true\n  default     = \"changeme\"\n", "no default"},
		{"secret variable not sensitive", "variables.tf", "TF_VAR_redis_password.\"\n  type        = string\n  sensitive   = true", "TF_VAR_redis_password.\"\n  type        = string\n  sensitive   = false", "sensitive = true"},
		{"cloud key in a file", "versions.tf", "  region = var.region\n", "  region    = var.region\n  secret_id = \"AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA\"\n", "literal secret"},
		{"KMS key disabled", "kms.tf", "is_enabled                    = true", "is_enabled                    = false", "is_enabled must be true"},
		{"no rotation", "kms.tf", "key_rotation_enabled          = true", "key_rotation_enabled          = false", "key_rotation_enabled must be true"},
		{"CAM wildcard", "cam.tf", `action   = ["sms:SendSms"]`, `action   = ["sms:*"]`, `CAM action "sms:*" is not on the allow-list`},
		{"CAM action not used", "cam.tf", `action   = ["kms:GenerateDataKey", "kms:Decrypt"]`, `action   = ["kms:GenerateDataKey", "kms:Decrypt", "kms:ScheduleKeyDeletion"]`, `"kms:ScheduleKeyDeletion" is not on the allow-list`},
		{"one zone", "network.tf", "  count             = 2\n", "  count             = 1\n", "count must be 2"},
		{"API gateway trigger", "scf.tf", `type          = "http"`, `type          = "apigw"`, "type must be http"},
		{"local state", "versions.tf", `backend "cos" {`, `backend "local" {`, `no backend "cos"`},
		{"not formatted", "kms.tf", "alias                         =", "alias =", "not canonically formatted"},
		{"no logs, no alarms", "cls.tf", `resource "tencentcloud_cls_topic"`, `resource "tencentcloud_cls_topic_x"`, "no tencentcloud_cls_topic"},
	}
	for _, tc := range cases {
		fs, err := Load(infraDir)
		if err != nil {
			t.Fatal(err)
		}
		src := string(fs[tc.file])
		if !strings.Contains(src, tc.old) {
			t.Fatalf("%s: %q not in %s", tc.name, tc.old, tc.file)
		}
		fs[tc.file] = []byte(strings.Replace(src, tc.old, tc.new, 1))
		if errs := strings.Join(Check(fs), "\n"); !strings.Contains(errs, tc.want) {
			t.Errorf("%s: not reported (want %q); got:\n%s", tc.name, tc.want, errs)
		}
	}
	fs, _ := Load(infraDir)
	delete(fs, "cls.tf")
	if errs := strings.Join(Check(fs), "\n"); !strings.Contains(errs, "no tencentcloud_cls_alarm") {
		t.Errorf("no alarms: not reported; got:\n%s", errs)
	}
}
