# Addressed to the assistant, but none of the 12 intents: the smart home.
@gate 1
@weight 0.4
@prefix [{wake},^0.35] [{hes},^0.08]
turn on the {room} lights @w=2
turn off the lights in the {room} @w=2
dim the {room} lights to {level}
set the thermostat to {temp}
make it a bit warmer in here
it's cold, turn the heat up
lock the front door
is the garage door closed?
close the garage
turn off {device}
turn on {device}
start the robot vacuum
stop the vacuum
switch off everything downstairs
are the lights on in the {room}?
(can|could) you turn the lights off?
turn the {room} lights (blue|warm white|down|up)
set the lights to {level}
what's the temperature inside?
open the blinds
close the curtains in the {room}
good night, turn everything off
run the dishwasher
is the back door locked?
turn the fan to high
unlock the door for a minute
turn on the porch light at sunset
um, turn off the, uh, {room} lights
set the AC to {temp}
make the {room} brighter
show the front door camera
who's at the door?
turn off the sprinklers
lights off
lights on, please
