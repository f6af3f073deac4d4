// The pipeline's secret (Pipeline__SecretKey) in Key Vault, so that it is not a plain app setting that anyone who can
// read the app's configuration can read. RBAC-mode vault: the function app's managed identity may read secrets
// (Key Vault Secrets User) and nothing else; the app setting is a Key Vault reference resolved by the platform.
// Purge protection: the secret keys every stored signature, so a deleted vault must stay recoverable.

@description('Name of the vault (3-24 characters).')
param name string

param location string

param tags object = {}

@description('Principal (object) id of the function app\'s user-assigned managed identity.')
param managedIdentityPrincipalId string

@description('The pipeline secret. It keys the signature de-duplication hashes: never change it once signatures exist.')
@secure()
param pipelineSecretKey string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'pipeline-secret-key'
  properties: {
    value: pipelineSecretKey
    contentType: 'text/plain'
  }
}

// On the secret, not the vault: the identity reads this one secret.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(secret.id, managedIdentityPrincipalId, keyVaultSecretsUser)
  scope: secret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: managedIdentityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('Versionless URI of the secret: the app follows the latest version.')
output pipelineSecretKeyUri string = secret.properties.secretUri
output name string = vault.name
