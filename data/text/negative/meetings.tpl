# Not addressed: chatter in a meeting or on a video call.
@gate 0
@weight 1.2
@prefix [{hes},^0.1]
can everyone see my screen?
you're on mute
let's circle back to that next week
I think we're waiting on {name} to join
sorry, you cut out for a second there
can we take this offline?
I'll share the deck after the call
let's give it two more minutes for people to join
does anyone have anything else?
I'll send out the notes after this
so the next step is to get sign off from legal
can you go back one slide?
I'm going to drop off early, sorry
we're a bit over time, let's wrap up
who's taking notes today?
I'll put some time on everyone's calendar
let's table that for now
great point, I totally agree
the numbers look better than last quarter
can you hear me okay?
I have a hard stop {time}
let's do a quick round of updates
{name}, do you want to start?
I think the timeline is too aggressive
we should loop in {name} on this
sorry, I was talking on mute
the client wants it by {day}
let's schedule a follow-up for next week
I'll set up a call with their team
that's a question for the design folks
okay, I think we have a plan
thanks everyone, talk soon
can someone put the link in the chat?
I'm seeing a lot of feedback on my end
who owns this action item?
I'd like to add one thing to the agenda
let me pull up the doc real quick
we're still blocked on the API changes
{name}, can you take that one?
I'll write it up and send it around
the budget review is pushed to {day}
quick update from my side, nothing major
I think we're aligned
we can revisit it at the offsite
is this recorded?
let's keep it to thirty minutes
I put a placeholder on the calendar
can we get a timer on this so we don't run over?
# longer meeting talk
before we wrap up, can everyone add their updates to the shared doc so {name} can send the summary?
I think we need to push the launch by at least a week, the testing just isn't where it needs to be
let's put a pin in the pricing discussion and come back to it once finance has the numbers
just to recap, {name} owns the timeline, I'll handle the client, and we'll meet again on {day}
