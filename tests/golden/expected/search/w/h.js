(self.siteSearchData=self.siteSearchData||{})["w/h"]={"terms":"hopper http human"};
