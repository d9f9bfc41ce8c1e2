# Starting timers and countdowns.
@intents hasStartTimerIntent
@prefix [{wake},^0.3] [{hes},^0.1]
set a timer for {duration} @w=4
start a timer for {duration} @w=2
{duration} timer @w=2
set a {duration_adj} timer @w=2
timer for {duration}
start a {duration_adj} timer for {timer_for}
set a timer for {timer_for}, {duration}
(can|could) you set a timer for {duration}?
start a countdown for {duration}
count down from {duration}
uh, set a timer for, um, {duration}
set a {duration_adj} timer called {timer_for}
start timing {timer_for}, {duration}
timer, {duration}
put a timer on for {duration}
set another timer for {duration}
add a second timer for {duration} for {timer_for}
set two timers, one for {duration} and one for {duration}
set a timer for {duration} for {timer_for}
start a {duration_adj} countdown
could you start a {duration_adj} timer for me?
I need a timer for {duration}
set the timer for {duration} please
timer for {timer_for}, {duration}
start a stopwatch
begin a {duration_adj} timer
set a {duration_adj} timer for {timer_for}
remind me in {duration} with a timer
set a kitchen timer for {duration}
start a timer for {duration} so I'm not late for {event}
set a timer for {duration}, I have to leave for {event} after that
timer for {duration} before {event}
start a {duration_adj} timer, then I'm heading to {event}
set a timer for {duration} so I remember to call {person}
start a timer for {duration} for the kids
set a timer for {duration} and call it {timer_for}
give me a timer for {duration}
let's do a {duration_adj} timer
set a timer, {duration}
set a pomodoro timer for {duration}
start a nap timer for {duration}
set a timer for {duration} for {person}'s screen time
quick, set a timer for {duration}
start a {duration_adj} timer for my break
timer, please, {duration}
start the timer for {duration}
okay set a timer for {duration} on the oven
put {duration} on the clock
set a timer for {duration} for the laundry
can I get a {duration_adj} timer?
please start a timer for {duration}
