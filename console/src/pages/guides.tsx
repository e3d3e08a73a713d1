/**
 * The step-by-step guides of the Connect page, condensed from docs/okta.md and docs/entra.md (the full
 * pages have every field; these are what an admin needs with the identity provider open beside).
 */
export function OktaGuide({ scimBaseUrl }: { scimBaseUrl: string }) {
  return (
    <ol className="steps">
      <li>
        <h3>Create the app</h3>
        In the Okta Admin Console: <b>Applications</b> → <b>Create App Integration</b> → SAML 2.0 or SWA →
        finish the general settings. In the app&rsquo;s <b>General</b> tab → <b>App Settings</b> → <b>Edit</b>
        , set <b>Provisioning</b> to <b>SCIM</b>.
      </li>
      <li>
        <h3>Provisioning → Integration</h3>
        <ul>
          <li>
            <b>SCIM connector base URL</b>: <code>{scimBaseUrl}</code>
          </li>
          <li>
            <b>Unique identifier field for users</b>: <code>userName</code>
          </li>
          <li>
            <b>Supported provisioning actions</b>: Import New Users and Profile Updates, Push New Users, Push
            Profile Updates, Push Groups
          </li>
          <li>
            <b>Authentication Mode</b>: HTTP Header; <b>Authorization</b>: the API key alone (Okta adds{' '}
            <code>Bearer</code>; typing it yourself makes Okta send it twice and get a 401)
          </li>
        </ul>
        Then <b>Test Connector Configuration</b> and <b>Save</b>.
      </li>
      <li>
        <h3>Provisioning → To App</h3>
        Enable <b>Create Users</b>, <b>Update User Attributes</b> and <b>Deactivate Users</b>. Leave{' '}
        <b>Sync Password</b> off.
      </li>
      <li>
        <h3>The role: User type → Admin, Editor, Viewer</h3>
        <b>Directory</b> → <b>Profile Editor</b> → the app&rsquo;s profile → <b>Add Attribute</b> (or edit{' '}
        <b>User type</b>): data type string, variable and external name <code>userType</code>, external
        namespace <code>urn:ietf:params:scim:schemas:core:2.0:User</code>, enumerated values{' '}
        <code>Admin</code>, <code>Editor</code>, <code>Viewer</code>. Then pick the role on each assignment (
        <b>Assignments</b> → <b>Assign</b>). A person without a role is a Viewer.
      </li>
      <li>
        <h3>Assign and push groups</h3>
        Assign the app to people or groups: Okta creates them here. In <b>Push Groups</b>, push the groups
        whose members should appear with their groups (assign their people first).
      </li>
      <li>
        <h3>Check</h3>
        The <b>Team</b> page lists the people Okta provisioned, with their role, status and groups;{' '}
        <b>Connection health</b> below shows Okta&rsquo;s last request and the last error it got.
      </li>
    </ol>
  );
}

export function EntraGuide({ scimBaseUrl }: { scimBaseUrl: string }) {
  return (
    <ol className="steps">
      <li>
        <h3>Create the enterprise application</h3>
        Microsoft Entra admin center → <b>Enterprise applications</b> → <b>New application</b> →{' '}
        <b>Create your own application</b> →{' '}
        <b>Integrate any other application you don&rsquo;t find in the gallery</b>.
      </li>
      <li>
        <h3>Provisioning → Admin Credentials</h3>
        <ul>
          <li>
            <b>Provisioning Mode</b>: Automatic
          </li>
          <li>
            <b>Tenant URL</b>: <code>{scimBaseUrl}</code>
          </li>
          <li>
            <b>Secret Token</b>: the API key
          </li>
        </ul>
        Then <b>Test Connection</b> and <b>Save</b>.
      </li>
      <li>
        <h3>Mappings → Provision Microsoft Entra ID Users</h3>
        Keep <code>userPrincipalName</code> → <code>userName</code> as the matching attribute (precedence 1)
        and the default mappings of <code>active</code>, <code>mail</code>, names and <code>externalId</code>.
      </li>
      <li>
        <h3>The role: userType → Admin, Editor, Viewer</h3>
        In <b>App registrations</b> → this app → <b>App roles</b>, create roles whose values are{' '}
        <code>Admin</code>, <code>Editor</code> and <code>Viewer</code>; assign people or groups with a role.
        Then <b>Add New Mapping</b>: expression <code>SingleAppRoleAssignment([appRoleAssignments])</code> →
        target <code>userType</code>, apply always. Do not map Entra&rsquo;s own <code>userType</code>{' '}
        (Member/Guest). Without a role a person is a Viewer.
      </li>
      <li>
        <h3>Groups, scope and start</h3>
        <b>Provision Microsoft Entra ID Groups</b>: enabled, <code>displayName</code> matching.{' '}
        <b>Settings</b> → <b>Scope</b>: Sync only assigned users and groups. <b>Provisioning Status</b>: On →{' '}
        <b>Save</b>. Use <b>Provision on demand</b> to try one user right away.
      </li>
      <li>
        <h3>Check</h3>
        The <b>Team</b> page lists the people Entra provisioned; <b>Connection health</b> below shows
        Entra&rsquo;s last request and the last error it got (also in Entra&rsquo;s provisioning logs).
      </li>
    </ol>
  );
}
