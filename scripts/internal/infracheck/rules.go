package infracheck

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// rule: a resource type that must exist, arguments it must set, and the
// constant values some of them must have ("" = any expression).
type rule struct {
	typ  string
	args map[string]string
}

var required = []rule{
	{"tencentcloud_vpc", map[string]string{"cidr_block": ""}},
	{"tencentcloud_subnet", map[string]string{"vpc_id": "", "availability_zone": "", "cidr_block": "", "count": "2"}},
	{"tencentcloud_security_group", nil},
	{"tencentcloud_security_group_lite_rule", map[string]string{"ingress": "", "egress": ""}},
	{"tencentcloud_mysql_instance", map[string]string{"engine_version": "8.0", "slave_deploy_mode": "1", "first_slave_zone": "",
		"vpc_id": "", "subnet_id": "", "security_groups": "", "parameters": "", "internet_service": "0", "root_password": ""}},
	{"tencentcloud_mysql_backup_policy", map[string]string{"mysql_id": "", "retention_period": ""}},
	{"tencentcloud_redis_instance", map[string]string{"vpc_id": "", "subnet_id": "", "password": "", "security_groups": ""}},
	{"tencentcloud_kms_key", map[string]string{"is_enabled": "true", "key_rotation_enabled": "true"}},
	{"tencentcloud_cam_role", map[string]string{"document": ""}},
	{"tencentcloud_cam_policy", map[string]string{"document": ""}},
	{"tencentcloud_cam_role_policy_attachment", map[string]string{"role_id": "", "policy_id": ""}},
	{"tencentcloud_cls_logset", nil},
	{"tencentcloud_cls_topic", map[string]string{"logset_id": ""}},
	{"tencentcloud_cls_alarm", map[string]string{"alarm_notice_ids": "", "condition": ""}},
	{"tencentcloud_scf_trigger", map[string]string{"type": "http", "trigger_desc": ""}},
}

// MySQL parameters the migrations and code need (README "Past one database").
var mysqlParams = map[string]string{"character_set_server": "utf8mb4", "log_bin_trust_function_creators": "1"}

func checkRequired(blocks []block) []string {
	var errs []string
	for _, r := range required {
		rs := resources(blocks, r.typ)
		if len(rs) == 0 {
			errs = append(errs, fmt.Sprintf("no %s", r.typ))
		}
		for _, b := range rs {
			for arg, want := range r.args {
				a, ok := b.Body.Attributes[arg]
				if !ok {
					errs = append(errs, fmt.Sprintf("%s: %s is required", where(b), arg))
					continue
				}
				if got, lit := literal(a.Expr); want != "" && (!lit || got != want) {
					errs = append(errs, fmt.Sprintf("%s: %s must be %s", where(b), arg, want))
				}
			}
		}
	}
	for _, b := range resources(blocks, "tencentcloud_mysql_instance") {
		if a, ok := b.Body.Attributes["parameters"]; ok {
			errs = append(errs, checkParams(b, a.Expr)...)
		}
	}
	if !hasCOSBackend(blocks) {
		errs = append(errs, `terraform: no backend "cos" (state in COS)`)
	}
	return errs
}

func checkParams(b block, e hclsyntax.Expression) []string {
	obj, ok := e.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return []string{where(b) + ": parameters must be a map literal"}
	}
	got := map[string]string{}
	for _, it := range obj.Items {
		kt, ok := it.KeyExpr.(*hclsyntax.ObjectConsKeyExpr)
		if !ok {
			continue
		}
		k := hclsyntaxTraversalName(kt.Wrapped)
		if k == "" {
			k, _ = literal(kt.Wrapped)
		}
		got[k], _ = literal(it.ValueExpr)
	}
	var errs []string
	for k, v := range mysqlParams {
		if got[k] != v {
			errs = append(errs, fmt.Sprintf("%s: parameters.%s must be %q", where(b), k, v))
		}
	}
	return errs
}

// hclsyntaxTraversalName is a bare object key (character_set_server = …).
func hclsyntaxTraversalName(e hclsyntax.Expression) string {
	if t, ok := e.(*hclsyntax.ScopeTraversalExpr); ok && len(t.Traversal) == 1 {
		return t.Traversal.RootName()
	}
	return ""
}

func hasCOSBackend(blocks []block) bool {
	for _, b := range blocks {
		if b.Type != "terraform" {
			continue
		}
		for _, inner := range b.Body.Blocks {
			if inner.Type == "backend" && len(inner.Labels) == 1 && inner.Labels[0] == "cos" {
				return true
			}
		}
	}
	return false
}

// secretName matches an argument or variable that holds a secret.
var secretName = regexp.MustCompile(`(?i)(password|secret|token|private_key|api_key|secret_key|auth_key)`)

// checkSecrets: a secret argument is never a constant (it comes from a
// sensitive variable fed by the deploy environment), a secret variable is
// sensitive and has no default, and no constant anywhere looks like a
// Tencent Cloud SecretId/SecretKey pair.
func checkSecrets(blocks []block) []string {
	var errs []string
	for _, b := range blocks {
		switch b.Type {
		case "variable":
			if !secretName.MatchString(b.Labels[0]) {
				continue
			}
			if _, ok := b.Body.Attributes["default"]; ok {
				errs = append(errs, fmt.Sprintf("%s: variable %s is a secret: no default", b.file, b.Labels[0]))
			}
			if s, ok := b.Body.Attributes["sensitive"]; !ok || !isTrue(s.Expr) {
				errs = append(errs, fmt.Sprintf("%s: variable %s is a secret: sensitive = true", b.file, b.Labels[0]))
			}
		default:
			errs = append(errs, literalSecrets(b, b.Body)...)
		}
	}
	return errs
}

var cloudKey = regexp.MustCompile(`AKID[A-Za-z0-9]{13,}`)

func literalSecrets(b block, body *hclsyntax.Body) []string {
	var errs []string
	for name, a := range body.Attributes {
		v, lit := literal(a.Expr)
		if lit && secretName.MatchString(name) && v != "" {
			errs = append(errs, fmt.Sprintf("%s %s: %s is a literal secret: use a sensitive variable", b.file, strings.Join(b.Labels, "."), name))
		}
		if lit && cloudKey.MatchString(v) {
			errs = append(errs, fmt.Sprintf("%s %s: %s holds a Tencent Cloud SecretId", b.file, strings.Join(b.Labels, "."), name))
		}
	}
	for _, inner := range body.Blocks {
		errs = append(errs, literalSecrets(b, inner.Body)...)
	}
	return errs
}

func isTrue(e hclsyntax.Expression) bool {
	v, ok := literal(e)
	return ok && v == "true"
}

// Allowed are the CAM actions the execution role may have, each for a
// call the code makes (infra/cam.tf says which); anything else is refused.
var Allowed = map[string]string{
	"scf:InvokeFunction":            "outbox and risk chain: async Invoke of our own functions",
	"kms:GenerateDataKey":           "PII envelope encryption: a data key per record",
	"kms:Decrypt":                   "PII: unwrap a record's data key",
	"faceid:DetectAuth":             "liveness: start",
	"faceid:GetDetectInfoEnhanced":  "liveness: outcome",
	"faceid:IdCardVerification":     "real name: two factors",
	"faceid:PhoneVerification":      "real name: three factors",
	"faceid:BankCard4EVerification": "bank card: four factors",
	"ess:UploadFiles":               "contract: upload the PDF source",
	"ess:CreateConvertTaskApi":      "contract: convert to PDF",
	"ess:GetTaskResultApi":          "contract: conversion result",
	"ess:CreateFlowByFiles":         "contract: signing flow",
	"ess:CreateSchemeUrl":           "contract: the borrower's signing link",
	"ess:DescribeFlowBriefs":        "contract: flow state",
	"sms:SendSms":                   "reminders by SMS",
	"name/sts:AssumeRole":           "trust policy: SCF assumes the role",
}

// checkCAM: every action string in a CAM document is on the allow-list,
// and no action or resource is a bare wildcard service grant ("kms:*").
func checkCAM(blocks []block) []string {
	var errs []string
	for _, typ := range []string{"tencentcloud_cam_policy", "tencentcloud_cam_role"} {
		for _, b := range resources(blocks, typ) {
			a, ok := b.Body.Attributes["document"]
			if !ok {
				continue
			}
			for _, act := range actions(a.Expr) {
				if _, ok := Allowed[act]; !ok {
					errs = append(errs, fmt.Sprintf("%s: CAM action %q is not on the allow-list (scripts/internal/infracheck Allowed)", where(b), act))
				}
			}
		}
	}
	return errs
}

// actions collects the strings of every `action = [...]` inside a
// document expression (jsonencode({...}) as written in cam.tf).
func actions(e hclsyntax.Expression) []string {
	var out []string
	_ = hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		obj, ok := n.(*hclsyntax.ObjectConsExpr)
		if !ok {
			return nil
		}
		for _, it := range obj.Items {
			kt, ok := it.KeyExpr.(*hclsyntax.ObjectConsKeyExpr)
			if !ok || hclsyntaxTraversalName(kt.Wrapped) != "action" {
				continue
			}
			tup, ok := it.ValueExpr.(*hclsyntax.TupleConsExpr)
			if !ok {
				out = append(out, "<not a list of strings>")
				continue
			}
			for _, el := range tup.Exprs {
				s, ok := literal(el)
				if !ok {
					s = "<not a constant>"
				}
				out = append(out, s)
			}
		}
		return nil
	})
	return out
}
