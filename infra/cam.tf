# The functions' execution role: SCF hands its temporary credentials to
# every invocation (TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN). Least
# privilege: each statement names the actions the code calls and nothing
# else; scripts/internal/infracheck holds every action to its allow-list.
# Action names are CAM's "<service>:<API action>" form (the API names are
# the SDK's, shared/tcloud); resource-level scoping where the product
# supports it (SCF, KMS), "*" where it does not (UNCONFIRMED per product).

data "tencentcloud_user_info" "me" {}

locals {
  uin = data.tencentcloud_user_info.me.owner_uin
}

resource "tencentcloud_cam_role" "functions" {
  name          = "wxlend-${var.stage}-functions"
  description   = "wxlend SCF execution role"
  console_login = false
  document = jsonencode({
    version = "2.0"
    statement = [{
      action    = ["name/sts:AssumeRole"]
      effect    = "allow"
      principal = { service = ["scf.qcloud.com"] }
    }]
  })
}

resource "tencentcloud_cam_policy" "functions" {
  name        = "wxlend-${var.stage}-functions"
  description = "wxlend functions: only the calls the code makes"
  document = jsonencode({
    version = "2.0"
    statement = [
      {
        # The outbox and the risk chain invoke our own functions
        # asynchronously (shared/tcloud SCFInvoker: Invoke, type Event),
        # only in our namespace.
        effect   = "allow"
        action   = ["scf:InvokeFunction"]
        resource = ["qcs::scf:${var.region}:uin/${local.uin}:namespace/${tencentcloud_scf_namespace.main.namespace}/function/*"]
      },
      {
        # PII envelope encryption (shared/pii, shared/tcloud kms.go): a
        # data key per record and its unwrapping, on our key only.
        effect   = "allow"
        action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        resource = ["qcs::kms:${var.region}:uin/${local.uin}:key/${tencentcloud_kms_key.pii.key_id}"]
      },
      {
        # Real-name, liveness and bank-card checks (shared/tcloud faceid.go).
        effect   = "allow"
        action   = ["faceid:DetectAuth", "faceid:GetDetectInfoEnhanced", "faceid:IdCardVerification", "faceid:PhoneVerification", "faceid:BankCard4EVerification"]
        resource = ["*"]
      },
      {
        # Contract e-sign (shared/tcloud ess.go): upload, convert, create
        # the flow, the signing link, the flow's state.
        effect   = "allow"
        action   = ["ess:UploadFiles", "ess:CreateConvertTaskApi", "ess:GetTaskResultApi", "ess:CreateFlowByFiles", "ess:CreateSchemeUrl", "ess:DescribeFlowBriefs"]
        resource = ["*"]
      },
      {
        # Repayment reminders by SMS (shared/tcloud sms.go).
        effect   = "allow"
        action   = ["sms:SendSms"]
        resource = ["*"]
      },
    ]
  })
}

resource "tencentcloud_cam_role_policy_attachment" "functions" {
  role_id   = tencentcloud_cam_role.functions.id
  policy_id = tencentcloud_cam_policy.functions.id
}
