package risk

import "github.com/wxlend/wxlend/shared/risk/feature"

// The feature catalogue and the feature vector live in
// shared/risk/feature, the vocabulary this package shares with the rule
// compiler (shared/risk/ruleexpr); these names are risk's view of them.

// FeatureType is the static type of a catalogue feature.
type FeatureType = feature.Type

// Feature types (see feature.Type).
const (
	TypeInt    = feature.Int
	TypeFloat  = feature.Float
	TypeBool   = feature.Bool
	TypeString = feature.String
)

// MaxStringFeatureBytes bounds a string feature value.
const MaxStringFeatureBytes = feature.MaxStringBytes

// FeatureDef declares one feature of the catalogue.
type FeatureDef = feature.Def

// Features is one application's feature vector over the catalogue (see
// feature.Vector). The zero value is an empty vector ready to use.
type Features = feature.Vector

// NewFeatures returns an empty feature vector.
func NewFeatures() *Features { return feature.NewVector() }

// Catalogue returns a copy of the declared features in catalogue order. The
// catalogue is append-only: a feature is never renamed, retyped or removed,
// so that every stored rule set and decision record stays loadable.
func Catalogue() []FeatureDef { return feature.Catalogue() }

// LookupFeature returns the declaration of a feature by name.
func LookupFeature(name string) (FeatureDef, bool) { return feature.Lookup(name) }

// derivedFeatures are set by Decide from the product; callers must not.
var derivedFeatures = func() []string {
	var out []string
	for _, d := range feature.Catalogue() {
		if d.Derived {
			out = append(out, d.Name)
		}
	}
	return out
}()
