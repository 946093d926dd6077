#!/usr/bin/env bash
# Deploy wxlend to a Tencent Cloud account (README "Deploying").
#
#   scripts/deploy.sh --dry-run [--stage staging]
#       No credentials needed: builds every zip (sizes printed), checks
#       serverless.yml, shared/api/openapi.yaml and infra/, lists the stage
#       variables that are not set, refuses published development values,
#       and prints what a real deploy would do. Exits 0 when all is in order.
#   scripts/deploy.sh [--stage staging]
#       With TENCENTCLOUD_SECRET_ID/KEY and TF_STATE_BUCKET: terraform init,
#       plan, apply (asks first), then the functions, their URLs, the custom
#       domain and the migrations.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

dry=0
stage=${STAGE:-staging}
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --stage) stage=$2; shift ;;
    *) say "usage: scripts/deploy.sh [--dry-run] [--stage staging|prod]"; exit 2 ;;
  esac
  shift
done
[ -f "infra/stages/$stage.tfvars" ] || { say "deploy: no infra/stages/$stage.tfvars"; exit 2; }
export STAGE=$stage

say "== build: one zip per function"
scripts/build.sh

say "== checks (stage $stage)"
ensure_go
if [ $dry = 1 ]; then
  go run ./scripts/deploy check
  tf=$(command -v terraform || true)
  if [ -n "$tf" ]; then
    terraform fmt -check -recursive infra >/dev/null && say "ok   terraform fmt" || { say "FAIL terraform fmt -check infra"; exit 1; }
  else
    say "note terraform is not installed here: infra/ was checked by parsing (scripts/internal/infracheck)"
  fi
  cat <<PLAN
== a real deploy (scripts/deploy.sh --stage $stage) would:
  1. terraform -chdir=infra init -backend-config=bucket=\$TF_STATE_BUCKET -backend-config=prefix=wxlend/$stage
  2. terraform -chdir=infra plan -var-file=stages/$stage.tfvars -out=tfplan   (secrets as TF_VAR_mysql_root_password,
     TF_VAR_mysql_app_password, TF_VAR_redis_password, TF_VAR_alarm_notice_id from the environment)
  3. ask, then terraform apply tfplan: VPC, subnets, security groups, MySQL 8.0 + standby + backups, Redis,
     KMS key, execution role and policy, CLS logset/topic/alarms, SCF namespace
  4. export the stage variables from terraform output (VPC_ID, SUBNET_ID, SCF_ROLE, SCF_NAMESPACE, CLS_*,
     REDIS_ADDR, PII_KMS_KEY_ID; MYSQL_DSN from mysql_host/port and the app account) and check them all
  5. scf deploy --stage $stage   (Serverless Cloud Framework: the $(ls dist/*.zip | wc -l) zips in dist/ per serverless.yml)
  6. terraform apply -var http_functions='$(go run ./scripts/deploy http-functions)' : one function URL each
  7. tccli scf CreateCustomDomain --cli-input-json file://dist/custom-domain.json   ($(go run ./scripts/deploy http-functions | tr ',' '\n' | wc -l) PathMatch routes on \$API_DOMAIN)
  8. tccli scf Invoke --FunctionName db-migrate --Namespace \$SCF_NAMESPACE --InvocationType RequestResponse
PLAN
  say "dry run: all checks passed"
  exit 0
fi

for v in TENCENTCLOUD_SECRET_ID TENCENTCLOUD_SECRET_KEY TF_STATE_BUCKET API_DOMAIN API_CERT_ID; do
  [ -n "${!v:-}" ] || { say "deploy: $v is not set (README, Deploying)"; exit 1; }
done
command -v terraform >/dev/null || { say "deploy: install terraform >= 1.5"; exit 1; }

say "== terraform"
terraform -chdir=infra init -input=false -backend-config="bucket=$TF_STATE_BUCKET" -backend-config="prefix=wxlend/$stage"
terraform -chdir=infra plan -input=false -var-file="stages/$stage.tfvars" -out=tfplan
read -r -p "Apply this plan to stage $stage? [y/N] " answer
[ "$answer" = y ] || { say "not applied"; exit 1; }
terraform -chdir=infra apply -input=false tfplan

out() { terraform -chdir=infra output -raw "$1"; }
export VPC_ID=$(out vpc_id) SCF_ROLE=$(out role_name) SCF_NAMESPACE=$(out scf_namespace)
export SUBNET_ID=$(terraform -chdir=infra output -json subnet_ids | tr -d '[]"' | cut -d, -f1)
export CLS_LOGSET_ID=$(out cls_logset_id) CLS_TOPIC_ID=$(out cls_topic_id)
export REDIS_ADDR=$(out redis_addr) PII_KMS_KEY_ID=$(out pii_kms_key_id)
export MYSQL_DSN="wxlend_app:${TF_VAR_mysql_app_password}@tcp($(out mysql_host):$(out mysql_port))/wxlend?parseTime=true"
export REDIS_PASSWORD=${TF_VAR_redis_password} API_BASE_URL="https://$API_DOMAIN"
export TENCENTCLOUD_REGION=${TENCENTCLOUD_REGION:-ap-guangzhou} LEDGER_IMMUTABILITY=${LEDGER_IMMUTABILITY:-triggers}
go run ./scripts/deploy check -real

say "== functions"
command -v scf >/dev/null || { say "deploy: install the Serverless Cloud Framework CLI (npm i -g serverless-cloud-framework)"; exit 1; }
scf deploy --stage "$stage"
terraform -chdir=infra apply -input=false -auto-approve -var-file="stages/$stage.tfvars" -var "http_functions=$(go run ./scripts/deploy http-functions)"

say "== front door"
go run ./scripts/deploy domain >dist/custom-domain.json
tccli scf CreateCustomDomain --region "$TENCENTCLOUD_REGION" --cli-input-json file://dist/custom-domain.json ||
  tccli scf UpdateCustomDomain --region "$TENCENTCLOUD_REGION" --cli-input-json file://dist/custom-domain.json

say "== migrations"
tccli scf Invoke --region "$TENCENTCLOUD_REGION" --FunctionName db-migrate --Namespace "$SCF_NAMESPACE" --InvocationType RequestResponse
say "deployed $stage: https://$API_DOMAIN"
