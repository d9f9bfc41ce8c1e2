# Weather, time, traffic, directions and device state.
@gate 1
@weight 0.4
@prefix [{wake},^0.35] [{hes},^0.08]
what's the weather {date}? @w=2
will it rain {date}?
what's the weather like in {city}?
do I need an umbrella {date}?
how cold is it outside?
what time is it?
what's the date today?
how's traffic on the way to work?
how long will it take to drive to {place}?
give me directions to {place}
navigate to {business}
what's the forecast for {day}?
is it going to snow {date}?
what time does the sun set?
what's my battery at?
turn on {setting}
turn off {setting}
what time is it in {city}?
how windy is it?
what's the temperature in {city} right now?
how far is {place} from here?
find a gas station nearby
what's the UV index {date}?
is it going to be hot {date}?
take me home
how long is my commute right now?
what's the air quality like?
um, what's the, uh, weather {date}?
check the pollen count
what's the high {date}?
when does it stop raining?
switch on {setting}
is there traffic on the highway?
