package stix

// Closed vocabularies (enumerations) and fixed formats that Validate
// enforces. Open vocabularies (STIX 2.1 §10, the "-ov" lists such as
// indicator-type-ov or identity-class-ov) are SHOULDs, so values outside
// them are accepted.

// vExtensionTypes is extension-type-enum (STIX 2.1 §10.6).
var vExtensionTypes = []string{"new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension"}

// vHashHexLen gives the hex length of the fixed-size algorithms of
// hashing-algorithm-ov (STIX 2.1 §10.7). SSDEEP, TLSH and custom names are
// free-form.
var vHashHexLen = map[string]int{
	"MD5":      32,
	"SHA-1":    40,
	"SHA-256":  64,
	"SHA-512":  128,
	"SHA3-256": 64,
	"SHA3-512": 128,
}

// vRegistryDataTypes is windows-registry-datatype-enum (STIX 2.1 §10.22).
var vRegistryDataTypes = []string{
	"REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
	"REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
	"REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE",
}

// vSocketAddressFamilies is network-socket-address-family-enum (STIX 2.1 §10.13).
var vSocketAddressFamilies = []string{
	"AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH",
}

// vTLPLevels are the TLP 1.0 levels a "tlp" marking definition may carry.
var vTLPLevels = []string{"white", "green", "amber", "red"}

// vPatternTypeSTIX is the pattern_type whose patterns Validate parses.
const vPatternTypeSTIX = "stix"
