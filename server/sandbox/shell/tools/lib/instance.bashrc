# The shell of a lab instance in the Verilab sandbox: Amazon Linux's greeting and prompt. ping, curl, nc and ssh here
# go through Verilab's traffic simulator (they read VERILAB_INSTANCE_*). Read instead of ~/.bashrc: the instance is
# another machine than the cloud shell, even though it shows the same home folder.

# As in the cloud shell: a write past the file-size limit fails with "File too large" instead of ending the shell.
trap '' XFSZ

VERILAB_INSTANCE_HOST=${VERILAB_INSTANCE_HOST:-$(uname -n)}
# Opened from the cloud shell, the sandbox keeps its own host name; the instance's is the one to show.
if [ "$(uname -n)" != "$VERILAB_INSTANCE_HOST" ]; then
  hostname() { echo "$VERILAB_INSTANCE_HOST"; }
fi
PS1="[${VERILAB_INSTANCE_USER:-ec2-user}@${VERILAB_INSTANCE_HOST} \\W]\\$ "
alias ll='ls -l --color=auto' ls='ls --color=auto' grep='grep --color=auto'

cat <<'GREETING'
   ,     #_
   ~\_  ####_        Amazon Linux 2023
  ~~  \_#####\
  ~~     \###|
  ~~       \#/ ___   https://aws.amazon.com/linux/amazon-linux-2023
   ~~       V~' '->
    ~~~         /
      ~~._.   _/
         _/ _/
       _/m/'
GREETING
printf '\033[2m%s\033[0m\n' "Verilab sandbox: this is $VERILAB_INSTANCE_ID ($VERILAB_INSTANCE_IP). ping, curl, nc and ssh from here are simulated through your account's network and recorded by its flow logs. Type exit to leave."
