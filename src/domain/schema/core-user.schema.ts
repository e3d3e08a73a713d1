import { attribute, complex, deepFreeze, displaySub, primarySub, typeSub } from './define.js';
import type { SchemaDefinition } from './types.js';
import { USER_SCHEMA } from './urns.js';

/** Our product's team roles, carried in `userType` (the RFC leaves its values open, RFC 7643 §4.1.1). */
export const USER_TYPES = ['Admin', 'Editor', 'Viewer'] as const;
export type UserType = (typeof USER_TYPES)[number];
/** The role of a member whose `userType` is unassigned. */
export const DEFAULT_USER_TYPE: UserType = 'Viewer';

const nameSub = (name: string, description: string) => attribute(name, 'string', description);

/** The core User schema of RFC 7643 §4.1, as represented in §8.7.1, plus our `userType` rule. */
export const coreUserSchema: SchemaDefinition = deepFreeze({
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute(
      'userName',
      'string',
      "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
      { required: true, uniqueness: 'server' },
    ),
    complex(
      'name',
      "The components of the user's real name. Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both.  If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.",
      [
        nameSub(
          'formatted',
          "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
        ),
        nameSub(
          'familyName',
          "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III').",
        ),
        nameSub(
          'givenName',
          "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III').",
        ),
        nameSub(
          'middleName',
          "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III').",
        ),
        nameSub(
          'honorificPrefix',
          "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III').",
        ),
        nameSub(
          'honorificSuffix',
          "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III').",
        ),
      ],
    ),
    attribute(
      'displayName',
      'string',
      'The name of the User, suitable for display to end-users.  The name SHOULD be the full name of the User being described, if known.',
    ),
    attribute(
      'nickName',
      'string',
      "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge').",
    ),
    attribute(
      'profileUrl',
      'reference',
      "A fully qualified URL pointing to a page representing the User's online profile.",
      { referenceTypes: ['external'] },
    ),
    attribute('title', 'string', 'The user\'s title, such as "Vice President."'),
    attribute(
      'userType',
      'string',
      `The member's team role: one of 'Admin', 'Editor' or 'Viewer' (matched case-insensitively, stored in canonical case). Unassigned means '${DEFAULT_USER_TYPE}'.`,
      { canonicalValues: [...USER_TYPES], enforceCanonicalValues: true, unassignedMeans: DEFAULT_USER_TYPE },
    ),
    attribute(
      'preferredLanguage',
      'string',
      "Indicates the User's preferred written or spoken language.  Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US.",
    ),
    attribute(
      'locale',
      'string',
      "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.",
    ),
    attribute(
      'timezone',
      'string',
      "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
    ),
    // A provisioned user is active until told otherwise (Okta and Entra send it; other clients may not).
    // The stored form always carries it, so what a read returns and what `active eq true` matches (the
    // `active` column) agree (docs/scim-behaviour.md).
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status.", {
      defaultValue: true,
    }),
    attribute(
      'password',
      'string',
      "The User's cleartext password.  This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.",
      { mutability: 'writeOnly', returned: 'never' },
    ),
    complex(
      'emails',
      "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
      [
        attribute(
          'value',
          'string',
          "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
        ),
        displaySub(),
        typeSub("A label indicating the attribute's function, e.g., 'work' or 'home'.", [
          'work',
          'home',
          'other',
        ]),
        primarySub(', e.g., the preferred mailing address or primary email address'),
      ],
      { multiValued: true },
    ),
    complex(
      'phoneNumbers',
      "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
      [
        attribute('value', 'string', 'Phone number of the User.'),
        displaySub(),
        typeSub("A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.", [
          'work',
          'home',
          'mobile',
          'fax',
          'pager',
          'other',
        ]),
        primarySub(', e.g., the preferred phone number or primary phone number'),
      ],
      { multiValued: true },
    ),
    complex(
      'ims',
      'Instant messaging addresses for the User.',
      [
        attribute('value', 'string', 'Instant messaging address for the User.'),
        displaySub(),
        typeSub("A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.", [
          'aim',
          'gtalk',
          'icq',
          'xmpp',
          'msn',
          'skype',
          'qq',
          'yahoo',
        ]),
        primarySub(', e.g., the preferred messenger or primary messenger'),
      ],
      { multiValued: true },
    ),
    complex(
      'photos',
      'URLs of photos of the User.',
      [
        attribute('value', 'reference', 'URL of a photo of the User.', { referenceTypes: ['external'] }),
        displaySub(),
        typeSub("A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.", [
          'photo',
          'thumbnail',
        ]),
        primarySub(', e.g., the preferred photo or thumbnail'),
      ],
      { multiValued: true },
    ),
    complex(
      'addresses',
      "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'.  This attribute is a complex type with the following sub-attributes.",
      [
        attribute(
          'formatted',
          'string',
          'The full mailing address, formatted for display or use with a mailing label.  This attribute MAY contain newlines.',
        ),
        attribute(
          'streetAddress',
          'string',
          'The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information.  This attribute MAY contain newlines.',
        ),
        attribute('locality', 'string', 'The city or locality component.'),
        attribute('region', 'string', 'The state or region component.'),
        attribute('postalCode', 'string', 'The zip code or postal code component.'),
        attribute('country', 'string', 'The country name component.'),
        typeSub("A label indicating the attribute's function, e.g., 'work' or 'home'.", [
          'work',
          'home',
          'other',
        ]),
        // §8.7.1 omits it, but §4.1.2 lists `primary` for addresses ("the preferred mailing address").
        primarySub(', e.g., the preferred mailing address or primary email address'),
      ],
      { multiValued: true },
    ),
    complex(
      'groups',
      'A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.',
      [
        attribute('value', 'string', "The identifier of the User's group.", { mutability: 'readOnly' }),
        attribute(
          '$ref',
          'reference',
          "The URI of the corresponding 'Group' resource to which the user belongs.",
          { referenceTypes: ['User', 'Group'], mutability: 'readOnly' },
        ),
        displaySub({ mutability: 'readOnly' }),
        typeSub(
          "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
          ['direct', 'indirect'],
          {
            mutability: 'readOnly',
          },
        ),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    complex(
      'entitlements',
      'A list of entitlements for the User that represent a thing the User has.',
      [
        attribute('value', 'string', 'The value of an entitlement.'),
        displaySub(),
        typeSub("A label indicating the attribute's function."),
        primarySub(),
      ],
      { multiValued: true },
    ),
    complex(
      'roles',
      "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
      [
        attribute('value', 'string', 'The value of a role.'),
        displaySub(),
        typeSub("A label indicating the attribute's function."),
        primarySub(),
      ],
      { multiValued: true },
    ),
    complex(
      'x509Certificates',
      'A list of certificates issued to the User.',
      [
        attribute('value', 'binary', 'The value of an X.509 certificate.'),
        displaySub(),
        typeSub("A label indicating the attribute's function."),
        primarySub(),
      ],
      { multiValued: true },
    ),
  ],
});
