package risk

// The feature catalogue. Names carry their unit (_fen, _months, _km, _1h);
// windows are trailing (7d = the last 7 days, 3m = the last 3 months).
// Append only: never rename, retype or remove a feature (see Catalogue).

var namedFeatures = []FeatureDef{
	// Applicant and identity (KYC step).
	{Name: "age", Type: TypeInt, Required: true, Doc: "age in whole years on the decision date, from the verified ID"},
	{Name: "is_student", Type: TypeBool, Required: true, Doc: "a current student (school-status check or declaration)"},
	{Name: "identity_verified", Type: TypeBool, Required: true, Doc: "name + ID number verified with the authoritative source"},
	{Name: "liveness_verified", Type: TypeBool, Required: true, Doc: "liveness and face match passed"},
	{Name: "liveness_score", Type: TypeFloat, Doc: "liveness provider similarity score, 0..1"},
	{Name: "declared_province", Type: TypeString, Doc: "province the applicant declared"},
	{Name: "declared_city", Type: TypeString, Doc: "city the applicant declared"},
	{Name: "education_level", Type: TypeInt, Doc: "0 unknown, 1 below high school, 2 high school, 3 college, 4 bachelor, 5 postgraduate"},
	{Name: "occupation_code", Type: TypeString, Doc: "declared occupation category code"},
	{Name: "monthly_income_declared_fen", Type: TypeInt, Doc: "declared monthly income"},
	{Name: "id_card_days_to_expiry", Type: TypeInt, Doc: "days until the ID card expires"},

	// Derived from the product by Decide.
	{Name: "product_min_age", Type: TypeInt, Derived: true, Doc: "the product's minimum borrower age"},
	{Name: "product_max_age", Type: TypeInt, Derived: true, Doc: "the product's maximum borrower age"},

	// The application.
	{Name: "requested_amount_fen", Type: TypeInt, Doc: "amount requested, if any"},
	{Name: "requested_term_months", Type: TypeInt, Doc: "term requested, if any"},
	{Name: "application_hour", Type: TypeInt, Doc: "hour of day of the application, Asia/Shanghai, 0..23"},
	{Name: "internal_applications_30d", Type: TypeInt, Doc: "applications by this user with us in the last 30 days"},

	// Device (client SDK flags and Redis velocity).
	{Name: "device_emulator", Type: TypeBool, Doc: "the client runs in an emulator"},
	{Name: "device_rooted", Type: TypeBool, Doc: "the device is rooted or jailbroken"},
	{Name: "device_hooked", Type: TypeBool, Doc: "a hooking framework (Xposed, Frida, ...) is present"},
	{Name: "device_debugger", Type: TypeBool, Doc: "a debugger is attached"},
	{Name: "device_app_clone", Type: TypeBool, Doc: "the app runs in a cloning/multi-instance container"},
	{Name: "device_vpn", Type: TypeBool, Doc: "a VPN is active"},
	{Name: "device_fingerprint_age_days", Type: TypeInt, Doc: "days since the device fingerprint was first seen"},
	{Name: "device_os", Type: TypeString, Doc: "android, ios, harmonyos, other"},
	{Name: "device_velocity_1h", Type: TypeInt, Doc: "applications from this device in the last hour"},
	{Name: "device_velocity_24h", Type: TypeInt, Doc: "applications from this device in the last 24 hours"},
	{Name: "accounts_per_device", Type: TypeInt, Doc: "distinct accounts seen on this device"},
	{Name: "devices_per_account_30d", Type: TypeInt, Doc: "distinct devices used by this account in 30 days"},

	// IP and geo.
	{Name: "ip_velocity_1h", Type: TypeInt, Doc: "applications from this IP in the last hour"},
	{Name: "ip_velocity_24h", Type: TypeInt, Doc: "applications from this IP in the last 24 hours"},
	{Name: "ip_is_proxy", Type: TypeBool, Doc: "the IP is a known proxy"},
	{Name: "ip_is_datacenter", Type: TypeBool, Doc: "the IP belongs to a hosting provider"},
	{Name: "ip_is_foreign", Type: TypeBool, Doc: "the IP geolocates outside mainland China"},
	{Name: "ip_province", Type: TypeString, Doc: "province of the IP"},
	{Name: "ip_city", Type: TypeString, Doc: "city of the IP"},
	{Name: "network_type", Type: TypeString, Doc: "wifi, 4g, 5g, other"},
	{Name: "geo_city_mismatch", Type: TypeBool, Doc: "declared city differs from the IP region (CityMismatch)"},
	{Name: "impossible_travel", Type: TypeBool, Doc: "two recent locations too far apart for the time between them (ImpossibleTravel)"},
	{Name: "travel_speed_kmh", Type: TypeFloat, Doc: "implied speed between the last two locations"},

	// Blacklists and courts.
	{Name: "blacklist_internal", Type: TypeBool, Required: true, Doc: "ID hash on the internal blacklist"},
	{Name: "blacklist_thirdparty", Type: TypeBool, Required: true, Doc: "ID hash on a third-party blacklist"},
	{Name: "blacklist_device", Type: TypeBool, Doc: "device fingerprint on the internal blacklist"},
	{Name: "court_enforcement", Type: TypeBool, Required: true, Doc: "a court enforcement (被执行人) record"},
	{Name: "court_dishonest", Type: TypeBool, Doc: "on the dishonest judgment-debtor list (失信被执行人)"},

	// Multi-platform lending (多头借贷).
	{Name: "multi_platform_apps_7d", Type: TypeInt, Doc: "loan applications across platforms, last 7 days"},
	{Name: "multi_platform_apps_1m", Type: TypeInt, Doc: "loan applications across platforms, last month"},
	{Name: "multi_platform_apps_3m", Type: TypeInt, Required: true, Doc: "loan applications across platforms, last 3 months"},
	{Name: "multi_platform_apps_6m", Type: TypeInt, Doc: "loan applications across platforms, last 6 months"},
	{Name: "multi_platform_orgs_3m", Type: TypeInt, Doc: "distinct institutions applied to, last 3 months"},
	{Name: "multi_platform_loans_open", Type: TypeInt, Doc: "loans currently open across platforms"},

	// Mobile operator.
	{Name: "operator_tenure_months", Type: TypeInt, Doc: "months the phone number has been in service (在网时长)"},
	{Name: "operator_realname_match", Type: TypeBool, Doc: "the number's real-name registration matches the applicant"},
	{Name: "operator_status_normal", Type: TypeBool, Doc: "the number is in normal service"},
	{Name: "phone_carrier", Type: TypeString, Doc: "cmcc, cucc, ctcc, other"},

	// Third-party scores.
	{Name: "thirdparty_score", Type: TypeInt, Doc: "third-party credit score, 300..900"},
	{Name: "thirdparty_fraud_score", Type: TypeInt, Doc: "third-party fraud score, 0..100, higher is riskier"},
	{Name: "bureau_thin_file", Type: TypeBool, Doc: "the credit file has too little history to score"},

	// Internal repayment history.
	{Name: "internal_loans_count", Type: TypeInt, Doc: "loans taken with us"},
	{Name: "internal_on_time_installments", Type: TypeInt, Doc: "installments paid on time with us"},
	{Name: "internal_max_dpd", Type: TypeInt, Doc: "worst days past due ever with us"},
	{Name: "internal_current_dpd", Type: TypeInt, Doc: "days past due now with us"},
	{Name: "internal_outstanding_fen", Type: TypeInt, Doc: "principal outstanding with us"},
	{Name: "internal_months_on_book", Type: TypeInt, Doc: "months since the first loan with us"},
	{Name: "internal_declines_30d", Type: TypeInt, Doc: "declined applications with us in 30 days"},
	{Name: "internal_early_repayments", Type: TypeInt, Doc: "loans repaid early with us"},

	// Behaviour in the mini-program.
	{Name: "behav_form_fill_seconds", Type: TypeInt, Doc: "seconds spent filling the application form"},
	{Name: "behav_paste_count", Type: TypeInt, Doc: "paste events in the application form"},
	{Name: "behav_session_count_24h", Type: TypeInt, Doc: "sessions in the last 24 hours"},
	{Name: "behav_night_sessions_7d", Type: TypeInt, Doc: "sessions between 00:00 and 05:00 in 7 days"},
}

type featureFamily struct {
	prefix  string
	typ     FeatureType
	doc     string
	windows []string
}

var stdWindows = []string{"7d", "1m", "3m", "6m", "12m"}

// featureFamilies are the generic bureau and alternative-data aggregates,
// one feature per trailing window: <prefix>_<window>.
var featureFamilies = []featureFamily{
	{"bureau_inquiries", TypeInt, "credit-report hard inquiries", stdWindows},
	{"bureau_new_accounts", TypeInt, "credit accounts opened", stdWindows},
	{"bureau_delinquent_accounts", TypeInt, "credit accounts that became delinquent", stdWindows},
	{"bureau_card_spend_fen", TypeInt, "credit-card spend", stdWindows},
	{"bureau_card_utilization", TypeFloat, "average credit-card utilization, 0..1+", stdWindows},
	{"bureau_payment_ratio", TypeFloat, "amount repaid / amount due", stdWindows},
	{"bureau_loan_balance_fen", TypeInt, "average loan balance", stdWindows},
	{"alt_ecommerce_orders", TypeInt, "e-commerce orders", stdWindows},
	{"alt_ecommerce_spend_fen", TypeInt, "e-commerce spend", stdWindows},
	{"alt_ecommerce_returns", TypeInt, "e-commerce returns", stdWindows},
	{"alt_telecom_bill_fen", TypeInt, "telecom bills paid", stdWindows},
	{"alt_recharge_count", TypeInt, "prepaid top-ups", stdWindows},
	{"alt_utility_late_payments", TypeInt, "late utility payments", stdWindows},
	{"mp_bank_apps", TypeInt, "applications to banks", stdWindows},
	{"mp_consumer_finance_apps", TypeInt, "applications to consumer-finance companies", stdWindows},
	{"mp_microloan_apps", TypeInt, "applications to microloan companies", stdWindows},
	{"mp_rejections", TypeInt, "applications rejected across platforms", stdWindows},
	{"mp_repaid_fen", TypeInt, "amount repaid across platforms", stdWindows},
	{"mp_overdue_count", TypeInt, "overdue events across platforms", stdWindows},
	{"behav_logins", TypeInt, "logins", stdWindows},
	{"behav_failed_logins", TypeInt, "failed logins", stdWindows},
	{"behav_password_resets", TypeInt, "password or payment-PIN resets", stdWindows},
	{"dev_distinct_ips", TypeInt, "distinct IPs used by the account", stdWindows},
	{"dev_distinct_cities", TypeInt, "distinct IP cities used by the account", stdWindows},
	{"geo_distinct_cities", TypeInt, "distinct device-location cities", stdWindows},
	{"geo_max_distance_km", TypeFloat, "largest distance between two device locations", stdWindows},
}
