# fish completion for pxclone: subcommands, flags, -o formats, profile files (*.yaml, *.yml), and —
# through the hidden `pxclone __complete contexts|sets|runs` — kubeconfig contexts, snapshot sets
# and run ids of the profile, kubeconfig and context already on the command line. Installed as
# share/fish/vendor_completions.d/pxclone.fish.

# __pxclone_dynamic KIND: candidates from the binary on the command line; silent on errors.
function __pxclone_dynamic
    set -l tokens (commandline -opc)
    set -l forward
    set -l count (count $tokens)
    for i in (seq 2 $count)
        switch $tokens[$i]
            case -p --profile --kubeconfig --context
                if test $i -lt $count
                    set -a forward $tokens[$i] $tokens[(math $i + 1)]
                end
            case '--profile=*' '--kubeconfig=*' '--context=*'
                set -a forward $tokens[$i]
        end
    end
    $tokens[1] __complete $argv[1] $forward 2>/dev/null
end

# __pxclone_profiles: directories and *.yaml / *.yml files that start with the current token.
function __pxclone_profiles
    set -l token (string replace -r -- "^--profile=" "" (commandline -ct))
    for path in $token*
        if test -d $path
            echo $path/
        else if string match -qr '\.ya?ml$' -- $path
            echo $path
        end
    end
end

set -l commands version validate snapshot deploy-staging restore list teardown extend refresh rbac completion

complete -c pxclone -f

# Subcommands
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a version -d 'Print the version, commit and library versions'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a validate -d 'Check the profile without contacting the cluster'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a snapshot -d 'Snapshot the source volumes as one labelled set'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a deploy-staging -d 'Create a staging environment from a snapshot set'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a restore -d 'Roll a staging PVC back to a snapshot'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a rbac -d 'Print the least-privilege RBAC'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a completion -d 'Print the completion script for a shell'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a list -d 'Show the snapshot sets and staging environments'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a teardown -d 'Delete staging environments pxclone made'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a extend -d 'Move the expiry of a staging environment, or pin it'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -a refresh -d 'Move a staging environment to a new snapshot set'

# Global options
complete -c pxclone -s h -l help -d 'Print help and exit'
complete -c pxclone -n "not __fish_seen_subcommand_from $commands" -l version -d 'Print the version and exit'
complete -c pxclone -s p -l profile -x -a '(__pxclone_profiles)' -d 'Pipeline profile (YAML)'
complete -c pxclone -l context -x -a '(__pxclone_dynamic contexts)' -d 'kubeconfig context to use'
complete -c pxclone -l kubeconfig -r -F -d 'kubeconfig file (no merging)'
complete -c pxclone -l run -x -a '(__pxclone_dynamic runs)' -d 'Run id'
complete -c pxclone -s o -l output -x -a 'text json yaml env name' -d 'Output format'
complete -c pxclone -l dry-run -d 'Print the plan; send no mutating request'
complete -c pxclone -s q -l quiet -d 'No progress output'
complete -c pxclone -s v -l verbose -d 'Log requests (-v), headers (-vv), bodies (-vvv)'
complete -c pxclone -l timeout -x -d 'Deadline of the whole command (e.g. 10m)'
complete -c pxclone -l request-timeout -x -a '0 10s 30s 1m' -d 'Bound one request (default 30s; 0: none)'
complete -c pxclone -l record -r -F -d 'Write a JSON record of the run to FILE'
complete -c pxclone -l parallel -x -d 'Concurrent requests (1-64)'
complete -c pxclone -l color -x -a 'auto always never' -d 'Colour on standard error'

# validate
complete -c pxclone -n '__fish_seen_subcommand_from validate' -l online -d 'Also check the cluster, sending no write'
# snapshot
complete -c pxclone -n '__fish_seen_subcommand_from snapshot' -l skip-hooks -d 'Do not run the source hooks'
complete -c pxclone -n '__fish_seen_subcommand_from refresh' -l skip-hooks -d 'Do not run the source hooks'
# deploy-staging
complete -c pxclone -n '__fish_seen_subcommand_from deploy-staging restore' -l snapshot -x -a '(__pxclone_dynamic sets)' -d 'Snapshot set'
complete -c pxclone -n '__fish_seen_subcommand_from deploy-staging' -l keep-on-failure -d 'Leave a failed environment in place'
complete -c pxclone -n '__fish_seen_subcommand_from deploy-staging' -l fresh -d 'Take a snapshot set now and deploy from it'
complete -c pxclone -n '__fish_seen_subcommand_from deploy-staging' -l skip-hooks -d 'With --fresh: do not run the source hooks'
# restore
complete -c pxclone -n '__fish_seen_subcommand_from restore' -l pvc -x -d 'Staging PVC to roll back'
complete -c pxclone -n '__fish_seen_subcommand_from restore teardown' -l all -d 'Every PVC (restore) or environment (teardown)'
complete -c pxclone -n '__fish_seen_subcommand_from restore' -s n -l namespace -x -d 'Staging namespace'
complete -c pxclone -n '__fish_seen_subcommand_from restore' -l new-pvc -x -d 'Make a new PVC with this name'
complete -c pxclone -n '__fish_seen_subcommand_from restore' -l from -x -d 'Source PVC whose snapshot to use'
# list
complete -c pxclone -n '__fish_seen_subcommand_from list' -l all-profiles -d 'Every profile, not only this one'
# rbac
complete -c pxclone -n '__fish_seen_subcommand_from rbac' -l service-account -x -d 'ServiceAccount to bind, NAMESPACE/NAME'
complete -c pxclone -n '__fish_seen_subcommand_from rbac' -l commands -x -a 'snapshot deploy-staging restore teardown list extend refresh validate' -d 'Only what these commands need'
complete -c pxclone -n '__fish_seen_subcommand_from rbac' -l cluster -x -a 'source staging' -d "With staging.cluster: only this cluster's RBAC"
complete -c pxclone -n '__fish_seen_subcommand_from rbac' -l admission-policy -d 'Also print a ValidatingAdmissionPolicy and its binding'
# extend
complete -c pxclone -n '__fish_seen_subcommand_from extend' -l ttl -x -a '24h 48h 168h never' -d 'New time to live from now, or never'
# teardown
complete -c pxclone -n '__fish_seen_subcommand_from teardown' -l expired -d 'Every environment whose TTL has passed'
complete -c pxclone -n '__fish_seen_subcommand_from teardown' -l snapshots -d 'Also delete the snapshot sets of these runs'

# completion
complete -c pxclone -n '__fish_seen_subcommand_from completion; and not __fish_seen_subcommand_from bash zsh fish' -x -a 'bash zsh fish' -d 'Shell'
