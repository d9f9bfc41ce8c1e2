# Not addressed: television, radio, podcasts, news and audiobooks playing in the room.
@gate 0
@weight 1.5
and now, back to the studio for the rest of the (morning's|evening's|hour's) headlines
temperatures will climb into the (eighties|nineties|low seventies) by (the weekend|{day})
the senator declined to comment when reached by phone on {day}
you're listening to the (afternoon drive|morning show|late show), stay with us
coming up after the break, (the surprising science of sleep|why {topic} matters|a conversation with {name} {surname})
{team} take a {number} point lead into the (final quarter|second half|last inning)
police are asking anyone with information to come forward
shares (fell|rose) sharply in (early|late) trading today
welcome back to the show, I'm here with (a very special guest|{name} {surname})
and that's why I think the whole (industry|city|league) is going to change
in today's episode we're talking about {topic}
she opened the door slowly and stepped into the (dark hallway|kitchen|cold night air)
chapter {number}: the long road home
it was the kind of (morning|summer|afternoon) that made everything seem possible
he had never seen the ocean before that summer
the detective looked at the photograph for a long moment
stay tuned for (the weather|traffic and weather) on the eights
this program is brought to you by (our listeners|{org})
and the crowd goes wild as the ball sails over the fence
a storm system moving in from the (west|north|coast) could bring heavy rain {date}
the museum (reopens|closes) next month after a {number} year renovation
my guest today has spent {number} years studying {topic}
scientists say the discovery could change how we think about (the universe|{topic}|the deep ocean)
that's all for (tonight|today|this week), thanks for (watching|listening)
and in sports, {team} pulled off a stunning upset against {team}
{org} will vote on the proposal later this week
officials expect the bridge to reopen by the end of the month
she never told anyone what she saw that night
the old man smiled and handed the (boy|girl) a small wooden box
the winds picked up as the sailors reached the harbor
don't go anywhere, we'll be right back
and the winner of tonight's challenge is
the latest numbers show a small (rise|drop) in unemployment
in a statement, {org} said it is reviewing the matter
{org} met late into the night
for centuries, travelers have crossed these mountains on foot
tonight on the program, the hidden cost of (cheap fashion|fast food|free apps)
he pauses at the line, takes a deep breath, and shoots
the concert raised over a million dollars for charity
researchers followed more than {number} thousand people for a decade
the queen arrived at the palace just after noon
it's a beautiful day here at the stadium in {city}
previously, on the series
our top story this hour
if you're just joining us, here's what you missed
that's a great question, and honestly the answer surprised me
let me tell you a story about my first (job|apartment|car)
the fog rolled in over the harbor, thick and gray
ladies and gentlemen, please welcome to the stage, {name} {surname}
and with that, {org} adjourned for the evening
traffic is backed up on the interstate due to an earlier accident
so the hosts were talking about {show} the whole hour
I mean, the whole season was building up to that moment
breaking news out of {city} this afternoon
the mayor is expected to announce the new plan {date}
the lions rest in the shade during the hottest part of the day
lightly season the fish and let it rest for a moment
and after more than {number} hours of debate, lawmakers finally approved the measure just before midnight
the weather service has issued a flood watch for the entire region through tomorrow afternoon
she knew that if she opened the letter, nothing would ever be the same again, so she put it in the drawer
we'll have more on that story, plus the rest of your weekend forecast, right after these messages
{name} {surname} reporting live from {city}
the (fans|players) are on their feet, {number} seconds left on the clock
our correspondent in {city} has more
wildfire crews say the blaze is now {number} percent contained
{org} announced {number} new (jobs|bus routes|parks) on {day}
and here's {name} with your (weather|traffic|sports) update
that's the thing about {topic}, nobody really agrees on it
the (kingdom|village|castle) had been quiet for a (hundred|thousand) years
{team} (win|lose) it {number} to {number}
