//! `wire_enum!`: provider code enums with an `Unknown(String)` fallback, so a code a
//! provider adds tomorrow is kept as data instead of failing the parse.

/// Defines `enum $name { $Variant, …, Unknown(String) }` with `parse`, `as_str` and
/// `Display`, mapping each variant to its exact wire string.
#[macro_export]
macro_rules! wire_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A code this version does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Reads the wire string; anything unrecognised becomes `Unknown`.
            pub fn parse(wire: &str) -> Self {
                match wire {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            /// The exact wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(other) => other,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
