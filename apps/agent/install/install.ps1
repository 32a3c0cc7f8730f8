# Fleetdesk agent installer for Windows (x64). The server serves it at /install.ps1 with the
# values below filled in, so the script trusts only what that server published. From an
# elevated PowerShell:
#
#   & ([scriptblock]::Create((irm https://rmm.example.com/install.ps1))) -Token fde_... -ServerKeySha256 ...
#
# It downloads the agent, checks its SHA-256, enrolls with the token while pinning the
# server's key, installs the executable and registers it to start at boot as SYSTEM (a
# scheduled task that restarts it: the agent does not answer the Service Control Manager
# itself). Run again on an enrolled machine it changes nothing unless -Force.
# Windows PowerShell 5.1 and PowerShell 7.
param(
  [string]$Token = '',
  [string]$ServerKeySha256 = '',
  [string]$Prefix = '',
  [switch]$NoService,
  [switch]$Force,
  [switch]$Uninstall,
  [switch]$Insecure
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$FleetdeskServer = '@@SERVER_URL@@'
$FleetdeskVersion = '@@VERSION@@'
$FleetdeskServerKeySha256 = '@@SERVER_KEY_SHA256@@'
$Sha256WinX64 = '@@SHA256_win-x64@@'

$TaskName = 'Fleetdesk Agent'

function Fail([int]$Code, [string]$Message) {
  [Console]::Error.WriteLine("fleetdesk install: $Message")
  exit $Code
}

function Say([string]$Message) {
  Write-Host "fleetdesk install: $Message"
}

if ($Prefix -ne '') {
  $Prefix = [System.IO.Path]::GetFullPath($Prefix)
  $Bin = Join-Path $Prefix 'bin\fleetdesk-agent.exe'
  $State = Join-Path $Prefix 'state'
} else {
  $Bin = Join-Path $env:ProgramFiles 'Fleetdesk\fleetdesk-agent.exe'
  $State = Join-Path $env:ProgramData 'Fleetdesk\agent'
}

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
$isAdmin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
if (-not $isAdmin -and ($Prefix -eq '' -or -not $NoService)) {
  Fail 3 'must run from an elevated PowerShell (Run as administrator), or with -Prefix DIR -NoService for this user only.'
}

if ($Uninstall) {
  if (-not $NoService) {
    $task = Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
    if ($task) {
      Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
      Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
    }
  }
  Get-Process -ErrorAction SilentlyContinue | Where-Object { $_.Path -eq $Bin } | Stop-Process -Force
  Remove-Item -Force -ErrorAction SilentlyContinue $Bin
  Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $State
  Say "removed the agent ($Bin) and its state ($State). The device stays listed in the console until a technician removes it."
  exit 0
}

# x64 Windows; Windows 11 on ARM runs the x64 build under emulation.
if (-not [Environment]::Is64BitOperatingSystem) {
  Fail 8 'there is no agent for 32-bit Windows.'
}
if ($Sha256WinX64 -eq '') {
  Fail 8 "the server at $FleetdeskServer offers no agent for win-x64; build it there with npm run build:agent."
}

if ($ServerKeySha256 -eq '') { $ServerKeySha256 = $FleetdeskServerKeySha256 }
$key = ($ServerKeySha256 -replace '[\s:]', '').ToLowerInvariant()
if ($key -notmatch '^[0-9a-f]{64}$') {
  Fail 2 '-ServerKeySha256 must be the 64 hex digits the console shows.'
}
if ($key -ne $FleetdeskServerKeySha256) {
  Fail 7 "the server at $FleetdeskServer has key fingerprint $FleetdeskServerKeySha256, not $key; nothing was installed or enrolled (wrong server, or someone in between)."
}

if (-not $Force -and (Test-Path (Join-Path $State 'state.json')) -and (Test-Path $Bin)) {
  Say "already installed and enrolled (state in $State); nothing changed. Pass -Force to reinstall and enroll again as a new device."
  exit 0
}

if ($Token -eq '') {
  Fail 2 'no enrollment token: pass -Token fde_... (create one in the console under Enroll devices).'
}

$work = Join-Path ([System.IO.Path]::GetTempPath()) ("fleetdesk-" + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $work | Out-Null
try {
  $download = Join-Path $work 'fleetdesk-agent.exe'
  $url = "$FleetdeskServer/api/agent/downloads/win-x64"
  Say "downloading the agent $FleetdeskVersion for win-x64 from $FleetdeskServer"
  try {
    Invoke-WebRequest -UseBasicParsing -Uri $url -OutFile $download -Headers @{ 'X-Enrollment-Token' = $Token }
  } catch {
    $response = $_.Exception.Response
    if ($null -eq $response) {
      Fail 4 "cannot reach the server at ${FleetdeskServer}: $($_.Exception.Message)"
    }
    $status = [int]$response.StatusCode
    $detail = $_.ErrorDetails.Message
    try { $detail = ($detail | ConvertFrom-Json).message } catch { }
    if ($status -eq 401 -or $status -eq 403) { Fail 5 "the server refused the enrollment token: $detail" }
    if ($status -eq 429) { Fail 1 'the server is rate-limiting downloads from this address; try again in a minute.' }
    Fail 1 "the server answered $status to the download: $detail"
  }

  $actual = (Get-FileHash -Algorithm SHA256 -Path $download).Hash.ToLowerInvariant()
  if ($actual -ne $Sha256WinX64) {
    Fail 6 "the downloaded agent's SHA-256 is $actual, not the $Sha256WinX64 the server published; nothing was installed or enrolled."
  }

  $enroll = @('enroll', '--server', $FleetdeskServer, '--token', $Token, '--server-key-sha256', $key, '--state-dir', $State)
  if ($Force) { $enroll += '--force' }
  if ($Insecure) { $enroll += '--insecure' }
  & $download @enroll
  if ($LASTEXITCODE -ne 0) { Fail 5 'enrollment failed; the reason is above. Nothing was installed.' }

  $existing = Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
  if ($existing) { Stop-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue }
  New-Item -ItemType Directory -Force -Path (Split-Path $Bin) | Out-Null
  Copy-Item -Force $download $Bin
} finally {
  Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $work
}

if ($NoService) {
  Say "installed $Bin and enrolled; start it with: & '$Bin' run --state-dir '$State'"
  exit 0
}

$action = New-ScheduledTaskAction -Execute $Bin -Argument "run --state-dir `"$State`""
$trigger = New-ScheduledTaskTrigger -AtStartup
$settings = New-ScheduledTaskSettingsSet -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) `
  -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -StartWhenAvailable
$runAs = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings `
  -Principal $runAs -Description 'Fleetdesk remote management agent' -Force | Out-Null
Start-ScheduledTask -TaskName $TaskName
Say "the Fleetdesk agent $FleetdeskVersion is installed, enrolled and running (scheduled task '$TaskName', as SYSTEM)."
